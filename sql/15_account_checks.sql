-- scope: common
-- reads: accounts, account_filings, account_files, input_rejects, input_files, input_counts, settings, rubric_map, pfs_concept
-- creates: split_block, account_duplicate, account_value, output_rejects, output_reject_counts, input_rows, input_warnings
-- publishes: output_rejects, output_reject_counts, input_rows, input_warnings
--
-- Step 15: checks on the account rows that need more than one row at a time.

-- A deposit is one version of one reference number's data; the reader numbers each block of
-- consecutive rows of one deposit (`block`: file and line of its first row, so blocks sort in
-- file order) and nearly every deposit is one block. The blocks of the few deposits whose rows
-- come in more than one block (not together in a file, or in two files), each with the number
-- of the deposit's first block: every later step names a deposit by that one integer
-- (`deposit` of account_value; a deposit of one block is named by its block).
-- (The blocks of a split deposit share its reference number, so the reference numbers seen in
-- more than one block are found first, grouping on that one text: the deposit's three keys are
-- then grouped over those few blocks only, not over all 4 M blocks at F = 1.0.)
CREATE TABLE split_block AS
WITH repeated_reference AS (
  SELECT reference_number FROM account_filings GROUP BY reference_number HAVING count(*) > 1
), candidate AS (
  SELECT f.*
  FROM repeated_reference r
  JOIN account_filings f ON f.reference_number = r.reference_number
), split_deposit AS (
  SELECT enterprise_number, reference_number, data_version, min(block) AS deposit
  FROM candidate
  GROUP BY enterprise_number, reference_number, data_version
  HAVING count(*) > 1
)
SELECT f.block, s.deposit
FROM candidate f
JOIN split_deposit s
  ON s.enterprise_number = f.enterprise_number AND s.reference_number = f.reference_number AND s.data_version = f.data_version;

-- A deposit that reports the same rubric twice for the same period: the first row (in file
-- order: file, then line) counts; every later copy is rejected as duplicate_row. The reader
-- already rejects copies within a block, so only split deposits need checking here. Only the
-- values the method uses are checked (rubrics of the rubric map, the configured period): the
-- reader keeps no others.
CREATE TABLE account_duplicate AS
WITH relevant AS (
  SELECT a.file_id, a.line, a.rubric_code, a.period, s.deposit
  FROM accounts a
  JOIN split_block s ON s.block = a.block
), duplicated AS (
  SELECT deposit, rubric_code, period,
         min(CAST(file_id AS BIGINT) * 10000000000 + line) AS first_row
  FROM relevant
  GROUP BY deposit, rubric_code, period
  HAVING count(*) > 1
)
SELECT f.file,
       r.file_id,
       r.line,
       r.rubric_code,
       'duplicate_row' AS reason
FROM relevant r
JOIN duplicated d
  ON r.deposit = d.deposit AND r.rubric_code = d.rubric_code AND r.period = d.period
JOIN account_files f ON f.file_id = r.file_id
WHERE CAST(r.file_id AS BIGINT) * 10000000000 + r.line <> d.first_row;

-- The rows the method uses, each with its deposit's number.
CREATE VIEW account_value AS
SELECT a.*, coalesce(s.deposit, a.block) AS deposit
FROM accounts a
LEFT JOIN split_block s ON s.block = a.block
WHERE NOT EXISTS (SELECT 1 FROM account_duplicate d WHERE d.file_id = a.file_id AND d.line = a.line);

-- Every input row that could not be used, as published in rejects.parquet: the rows the
-- readers rejected (input_rejects, with file, line, field and reason) and the duplicates found
-- above, in file and line order. (Lines are whole numbers from 1; the published column is an
-- unsigned integer, schemas/rejects.json.)
CREATE VIEW output_rejects AS
SELECT CAST(file AS VARCHAR) AS file,
       CAST(line AS BIGINT) AS line,
       CAST(field AS VARCHAR) AS field,
       CAST(raw_value AS VARCHAR) AS raw_value,
       CAST(reason AS VARCHAR) AS reason
FROM (
  SELECT file, CAST(line AS BIGINT) AS line, field, raw_value, reason FROM input_rejects
  UNION ALL
  SELECT file, CAST(line AS BIGINT), 'rubric_code', rubric_code, reason FROM account_duplicate
) r
ORDER BY file, line, field, raw_value, reason;

-- The rejects as counts, for the public folder: rejects.parquet shows the raw values (an
-- enterprise number, a company's amount) and goes only to --confidential.
CREATE VIEW output_reject_counts AS
SELECT CAST(file AS VARCHAR) AS file,
       CAST(field AS VARCHAR) AS field,
       CAST(reason AS VARCHAR) AS reason,
       CAST(count(*) AS BIGINT) AS rows_rejected
FROM output_rejects
GROUP BY file, field, reason
ORDER BY file, field, reason;

-- Row conservation per input file, for manifest.json: rows read (counted by the readers) =
-- rows used + rows rejected (counted from the rejects above, so the two cannot disagree).
CREATE VIEW input_rows AS
SELECT f.file,
       CAST(f.rows_read AS BIGINT) AS rows_read,
       CAST(f.rows_read - count(r.file) AS BIGINT) AS rows_used,
       CAST(count(r.file) AS BIGINT) AS rows_rejected
FROM input_files f
LEFT JOIN output_rejects r ON r.file = f.file
GROUP BY f.file_order, f.file, f.rows_read
ORDER BY f.file_order;

-- Warnings about the inputs, for the log and manifest.json (after the per-year warnings of
-- step 90): the run still succeeds. A file of which more than `warnings.max_reject_share` of the
-- rows were rejected (the share to one decimal, in tenths of a per cent rounded half away from
-- zero), then official totals read through a mapping not verified against NBB.Stat.
CREATE VIEW input_warnings AS
WITH share AS (
  SELECT f.file_order, r.file, r.rows_read, r.rows_rejected,
         CAST(r.rows_rejected AS DOUBLE) / greatest(r.rows_read, 1) AS rejected_share,
         CAST(round(1000.0 * r.rows_rejected / greatest(r.rows_read, 1)) AS BIGINT) AS tenths
  FROM input_rows r
  JOIN input_files f ON f.file = r.file
), warning AS (
  SELECT w.file_order AS warning_order,
         w.file || ': ' || CAST(w.rows_rejected AS VARCHAR) || ' of ' || CAST(w.rows_read AS VARCHAR)
           || ' rows rejected (' || CAST(CAST((w.tenths - w.tenths % 10) / 10 AS BIGINT) AS VARCHAR) || '.' || CAST(w.tenths % 10 AS VARCHAR)
           || ' %), see rejects.parquet' AS message
  FROM share w
  WHERE w.rejected_share > (SELECT max_reject_share FROM settings)
  UNION ALL
  -- (after every file's warning: the largest file order there can be)
  SELECT CAST(2147483647 AS INT) AS warning_order,
         'totals: ' || CAST(value AS VARCHAR) || ' official total(s) read from SDMX through a mapping of the official series table '
           || 'not verified against NBB.Stat''s published structure (flow, dimensions, codes): check them before publishing the comparison' AS message
  FROM input_counts
  WHERE name = 'official_totals_from_unverified_mapping' AND value > 0
  UNION ALL
  -- Deposits before 4 April 2022 read from XBRL instances through the pfs concept table: its
  -- shipped rows come from third-party code, and the rubric map's rubrics no row gives are
  -- absent from those deposits (e.g. a full model's leasing acquisitions, 8164).
  SELECT CAST(2147483647 AS INT) AS warning_order,
         'accounts: ' || CAST(value AS VARCHAR) || ' value(s) of XBRL instances (pfs taxonomy, deposits before 4 April 2022) read '
           || 'through rows of the pfs concept table not verified against the NBB''s taxonomy; rubrics of the rubric map that no '
           || 'row of the table gives, so absent from those deposits: '
           || COALESCE((SELECT string_agg(rubric_code, ', ' ORDER BY rubric_code)
                        FROM (SELECT DISTINCT rubric_code FROM rubric_map WHERE rubric_code NOT IN (SELECT rubric_code FROM pfs_concept)) missing), 'none')
           || ': check them before publishing' AS message
  FROM input_counts
  WHERE name = 'cbso_xbrl_values_from_unverified_concepts' AND value > 0
)
SELECT CAST(message AS VARCHAR) AS message FROM warning ORDER BY warning_order;
