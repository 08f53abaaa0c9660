-- Delete the 0.x versions of hello-world except the x.y.0 releases, with regular expressions
-- (REGEXP is github-sql's: Rust regex syntax, matching anywhere unless anchored).
DELETE FROM github.packages.auth_user_versions
WHERE package_type = 'npm' AND package_name = 'hello-world'
  AND name REGEXP '^0\.'
  AND NOT name REGEXP '\.0$';
