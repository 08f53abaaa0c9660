DELETE FROM github.packages.auth_user_versions
WHERE package_type = 'npm' AND package_name = 'hello-world'
  AND +id IN (
    SELECT id FROM (
      SELECT id, ROW_NUMBER() OVER (ORDER BY created_at DESC) AS rn
      FROM github.packages.auth_user_versions
      WHERE package_type = 'npm' AND package_name = 'hello-world'
        AND name NOT GLOB '*.0.0'
    )
    WHERE rn > 3
  );
