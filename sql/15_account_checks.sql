-- Step 15: checks on the account rows that need more than one row at a time.
-- Reads: accounts and account_filings (checked row by row while read), account_files.
-- Creates: account_duplicate (rejected rows), account_value (the rows the method uses).

-- A deposit that reports the same rubric twice for the same period: the first row (in file
-- order: file, then line) counts; every later copy is rejected as duplicate_row. The reader
-- already rejects copies within a block of consecutive rows of one deposit; what is left are
-- deposits whose rows come in more than one block (not together in a file, or in two files),
-- and only those need checking here. Only the values the method uses are checked (rubrics of
-- the rubric map, the configured period): the reader keeps no others.
CREATE TABLE account_duplicate AS
WITH split_deposit AS (
  SELECT enterprise_number, reference_number
  FROM account_filings
  GROUP BY enterprise_number, reference_number
  HAVING count(*) > 1
), relevant AS (
  SELECT a.*
  FROM accounts a
  JOIN split_deposit s
    ON s.enterprise_number = a.enterprise_number AND s.reference_number = a.reference_number
), duplicated AS (
  SELECT enterprise_number, reference_number, rubric_code, period,
         min(CAST(file_id AS BIGINT) * 10000000000 + line) AS first_row
  FROM relevant
  GROUP BY enterprise_number, reference_number, rubric_code, period
  HAVING count(*) > 1
)
SELECT f.file,
       r.file_id,
       r.line,
       r.rubric_code,
       'duplicate_row' AS reason
FROM relevant r
JOIN duplicated d
  ON r.enterprise_number = d.enterprise_number
 AND r.reference_number = d.reference_number
 AND r.rubric_code = d.rubric_code
 AND r.period = d.period
JOIN account_files f ON f.file_id = r.file_id
WHERE CAST(r.file_id AS BIGINT) * 10000000000 + r.line <> d.first_row;

CREATE VIEW account_value AS
SELECT a.*
FROM accounts a
WHERE NOT EXISTS (SELECT 1 FROM account_duplicate d WHERE d.file_id = a.file_id AND d.line = a.line);
