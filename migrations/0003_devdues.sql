-- zhibu dues and development: the counter dim 'dues_fen' (the members'
-- monthly dues standards summed per paid-through month, on the branch and
-- every ancestor, like 'paid_through'), so a subtree's arrears in fen come
-- from org_counts. Backfilled here for databases that already hold members;
-- member_counts_apply() keeps it current from now on.
WITH RECURSIVE split (rest, org_id, key, fen) AS (
    SELECT substr(org_path, 2), NULL, COALESCE(dues_paid_through, ''), dues_fen
    FROM members
    WHERE deleted_at IS NULL AND status IN ('normal', 'retired', 'temporarily_out')
      AND org_path <> ''
    UNION ALL
    SELECT substr(rest, instr(rest, '/') + 1), CAST(substr(rest, 1, instr(rest, '/') - 1) AS INTEGER),
           key, fen
    FROM split WHERE instr(rest, '/') > 0
)
INSERT INTO org_counts (org_id, dim, key, n)
SELECT org_id, 'dues_fen', key, SUM(fen) FROM split WHERE org_id IS NOT NULL GROUP BY 1, 3;
