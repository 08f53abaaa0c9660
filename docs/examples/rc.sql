EXEC github.packages.auth_user_versions.restore_package_version_for_authenticated_user
  @package_name='hello-world', @package_type='npm', @package_version_id=201000108;

DELETE FROM github.packages.auth_user_versions
WHERE package_type = 'npm' AND package_name = 'hello-world'
  AND name LIKE '%-rc.%';
