-- scope: common
-- reads: register_company, filer, members
-- creates: register_counted
--
-- Step 22: the register's row of every company that can count in a reference year: the filers
-- the register holds and the companies a cluster lists (METHODOLOGY.md section 4b). The rest of
-- the register (three in four of its enterprises file no accounts) is in no sample and no
-- benchmark. Which companies these are does not depend on the year, so it is found once here;
-- step 28 describes them for each reference year.

CREATE TABLE register_counted AS
SELECT r.enterprise_number, r.juridical_form, r.start_date_text, r.seat_postcode, r.region, r.province,
       r.nace_code, r.nace_source, r.nace_2025_division, r.nace_2025_section
FROM register_company r
WHERE r.enterprise_number IN (
  SELECT enterprise_number FROM filer WHERE in_register
  UNION
  SELECT enterprise_number FROM members
);
