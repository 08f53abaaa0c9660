-- Keep the newest 2 versions of each release line (0.x, 1.x, 2.x) of hello-world; delete the rest.
DELETE FROM github.packages.auth_user_versions
WHERE package_type = 'npm' AND package_name = 'hello-world'
  AND +id IN (
    SELECT id FROM (
      SELECT id, ROW_NUMBER() OVER (PARTITION BY substr(name, 1, instr(name, '.'))
                                    ORDER BY created_at DESC) AS rn
      FROM github.packages.auth_user_versions
      WHERE package_type = 'npm' AND package_name = 'hello-world'
    )
    WHERE rn > 2
  );
