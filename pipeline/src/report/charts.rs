//! The report's charts, drawn by plotters as inline SVG (no script, no fonts to fetch). Colours
//! are the Okabe-Ito palette, which readers with the common colour-vision deficiencies can tell
//! apart; every chart also has its numbers in a table beside it (the template), and lines are
//! labelled at their end, so no reading depends on colour alone.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::format::{number, Language};
use crate::error::{CpiError, Result};

/// Okabe & Ito (2008), "Color Universal Design": black, orange, sky blue, bluish green, blue,
/// vermillion, reddish purple, yellow (last: weak on white).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x00, 0x00),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0xF0, 0xE4, 0x42),
];

/// Bars of the first, second and third series: blue, orange, bluish green.
const BAR_COLORS: [RGBColor; 3] = [PALETTE[4], PALETTE[1], PALETTE[3]];

fn chart_error(e: impl std::fmt::Display) -> CpiError {
    CpiError::Internal(format!("report chart: {e}"))
}

/// One series of bars: its name and one value per category, or the mark to show instead
/// ("c" suppressed, ":" not available), and where known an interval drawn as a whisker.
pub struct Bars<'a> {
    pub name: &'a str,
    pub values: Vec<std::result::Result<f64, &'static str>>,
    pub intervals: Vec<Option<(f64, f64)>>,
}

/// A horizontal bar chart: categories top to bottom, one bar per series in each, a legend
/// above; a category without a value shows its mark where its bar would start.
/// plotters draws the axes and the grid; the bars, marks and legend are placed in pixels from
/// its coordinate mapping, so that several series share a category's band.
pub fn bar_chart(categories: &[String], series: &[Bars], axis: &str, lang: Language) -> Result<String> {
    let n = categories.len().max(1);
    let bounds = series.iter().flat_map(|s| s.intervals.iter().flatten().flat_map(|(a, b)| [*a, *b]));
    let all = series.iter().flat_map(|s| s.values.iter().filter_map(|v| v.ok())).chain(bounds);
    let (lo, hi) = all.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let pad = ((hi - lo) * 0.08).max(0.5);
    let (lo, hi) = (if lo < 0.0 { lo - pad } else { 0.0 }, if hi > 0.0 { hi + pad } else { pad });
    let band = 16 + 14 * series.len() as u32;
    let height = 90 + band * n as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_top(36)
            .x_label_area_size(44)
            .y_label_area_size(110)
            .build_cartesian_2d(lo..hi, (0..n - 1).into_segmented())
            .map_err(chart_error)?;
        // Categories from the top: segment i (counted from the bottom) is category n - 1 - i.
        let label = |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) if *i < n => categories[n - 1 - *i].clone(),
            _ => String::new(),
        };
        let tick = |x: &f64| number(*x, 0, lang);
        chart
            .configure_mesh()
            .disable_mesh()
            .y_labels(n)
            .x_labels(8)
            .y_label_formatter(&label)
            .x_label_formatter(&tick)
            .x_desc(axis)
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 14))
            .draw()
            .map_err(chart_error)?;
        let at = |x: f64, segment: usize| chart.backend_coord(&(x, SegmentValue::Exact(segment)));
        let mark = TextStyle::from(("sans-serif", 13).into_font()).color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center));
        for (c, _) in categories.iter().enumerate() {
            // the band of category c: from segment y + 1 (top) to y (bottom), in pixels
            let y = n - 1 - c;
            let top = at(0.0, y + 1).1;
            for (k, s) in series.iter().enumerate() {
                let (y0, y1) = (top + 8 + 14 * k as i32, top + 8 + 14 * (k as i32 + 1) - 2);
                let zero = at(0.0, y).0;
                match s.values.get(c).copied().unwrap_or(Err(":")) {
                    Ok(v) => {
                        let end = at(v, y).0;
                        let color = BAR_COLORS[k % BAR_COLORS.len()];
                        root.draw(&Rectangle::new([(zero.min(end), y0), (zero.max(end), y1)], color.filled())).map_err(chart_error)?;
                        // the interval: a whisker through the middle of the bar, with end caps
                        if let Some((low, high)) = s.intervals.get(c).copied().flatten() {
                            let (a, b, mid) = (at(low, y).0, at(high, y).0, (y0 + y1) / 2);
                            let ink = BLACK.stroke_width(1);
                            root.draw(&PathElement::new(vec![(a, mid), (b, mid)], ink)).map_err(chart_error)?;
                            for x in [a, b] {
                                root.draw(&PathElement::new(vec![(x, y0 + 1), (x, y1 - 1)], ink)).map_err(chart_error)?;
                            }
                        }
                    }
                    Err(missing) => root.draw(&Text::new(missing.to_string(), (zero + 4, (y0 + y1) / 2), mark.clone())).map_err(chart_error)?,
                }
            }
        }
        // the zero line
        let (x0, top, bottom) = (at(0.0, n).0, at(0.0, n).1, at(0.0, 0).1);
        root.draw(&PathElement::new(vec![(x0, top), (x0, bottom)], BLACK)).map_err(chart_error)?;
        // the legend, above the plot
        let legend = TextStyle::from(("sans-serif", 14).into_font()).color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center));
        let mut x = 122;
        for (k, s) in series.iter().enumerate() {
            root.draw(&Rectangle::new([(x, 12), (x + 14, 26)], BAR_COLORS[k % BAR_COLORS.len()].filled())).map_err(chart_error)?;
            root.draw(&Text::new(s.name.to_string(), (x + 20, 19), legend.clone())).map_err(chart_error)?;
            x += 40 + 8 * s.name.chars().count() as i32;
        }
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}

/// One line of a series chart: its label (written at the line's end) and its points.
pub struct Line<'a> {
    pub label: &'a str,
    pub points: Vec<(i32, f64)>,
}

/// A line chart over reference years, one line per cluster, each labelled at its last point.
pub fn line_chart(years: &[i32], lines: &[Line], axis: &str, lang: Language) -> Result<String> {
    let (first, last) = (*years.first().unwrap_or(&0), *years.last().unwrap_or(&0));
    let values = lines.iter().flat_map(|l| l.points.iter().map(|p| p.1));
    let (lo, hi) = values.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let pad = ((hi - lo) * 0.1).max(0.5);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 340)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_right(100)
            .x_label_area_size(36)
            .y_label_area_size(50)
            .build_cartesian_2d(first..last, (lo - pad)..(hi + pad))
            .map_err(chart_error)?;
        let year = |y: &i32| y.to_string();
        let tick = |v: &f64| number(*v, 0, lang);
        chart
            .configure_mesh()
            .x_labels(years.len())
            .x_label_formatter(&year)
            .y_label_formatter(&tick)
            .y_desc(axis)
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 14))
            .bold_line_style(RGBColor(0xE4, 0xE4, 0xE4))
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(chart_error)?;
        chart.draw_series(std::iter::once(PathElement::new(vec![(first, 0.0), (last, 0.0)], BLACK.mix(0.6)))).map_err(chart_error)?;
        let mut ends = vec![];
        for (k, line) in lines.iter().enumerate() {
            let color = PALETTE[k % (PALETTE.len() - 1)];
            let width = if k == 0 { 3 } else { 2 };
            chart.draw_series(LineSeries::new(line.points.clone(), color.stroke_width(width))).map_err(chart_error)?;
            chart.draw_series(line.points.iter().map(|p| Circle::new(*p, 3, color.filled()))).map_err(chart_error)?;
            if let Some(end) = line.points.last() {
                ends.push((chart.backend_coord(end), line.label, color));
            }
        }
        // Labels at the lines' ends, pushed apart where ends lie close together (at least 15
        // pixels between labels of the same year).
        ends.sort_by_key(|((x, y), _, _)| (*x, *y));
        for i in 1..ends.len() {
            let ((x0, y0), _, _) = ends[i - 1];
            let ((x, y), _, _) = &mut ends[i];
            if *x == x0 && *y < y0 + 15 {
                *y = y0 + 15;
            }
        }
        for ((x, y), label, color) in ends {
            let style = TextStyle::from(("sans-serif", 13).into_font()).color(&color).pos(Pos::new(HPos::Left, VPos::Center));
            root.draw(&Text::new(label.to_string(), (x + 6, y), style)).map_err(chart_error)?;
        }
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}
