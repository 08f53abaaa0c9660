-- Safe prune: delete the untagged versions of one image, except what a tagged image needs.
-- Fails closed: a manifest the registry cannot serve stops the statement before any DELETE.
DELETE FROM github.packages.auth_user_versions
WHERE package_type = 'container' AND package_name = 'octo/app'
  AND name IN (
    WITH RECURSIVE
      pkg_versions AS (
        SELECT name, metadata FROM github.packages.auth_user_versions
        WHERE package_type = 'container' AND package_name = 'octo/app'
      ),
      pkg_manifests AS (
        SELECT digest, children, subject_digest FROM github.registry.manifests
        WHERE owner = 'octocat' AND image = 'octo/app'
          AND reference IN (SELECT name FROM pkg_versions)
      ),
      kept(digest) AS (
        SELECT v.name FROM pkg_versions AS v, json_each(v.metadata, '$.container.tags') AS t
        WHERE t.value NOT GLOB 'sha256-*'
        UNION
        SELECT json_extract(c.value, '$.digest')
        FROM kept
        JOIN github.registry.manifests AS k
          ON k.owner = 'octocat' AND k.image = 'octo/app' AND k.reference = kept.digest
        JOIN json_each(k.children) AS c
        UNION
        SELECT m.digest FROM kept JOIN pkg_manifests AS m ON m.subject_digest = kept.digest
        UNION
        SELECT v.name FROM kept JOIN pkg_versions AS v
        JOIN json_each(v.metadata, '$.container.tags') AS t
          ON t.value GLOB replace(kept.digest, ':', '-') || '*'
      )
    SELECT m.digest FROM pkg_manifests AS m JOIN pkg_versions AS v ON v.name = m.digest
    WHERE json_array_length(json_extract(v.metadata, '$.container.tags')) = 0
      AND m.digest NOT IN (SELECT digest FROM kept)
  );

-- Keep the newest 100 versions of an npm package.
DELETE FROM github.packages.auth_user_versions
WHERE package_type = 'npm' AND package_name = 'hello-world'
  AND +id IN (
    SELECT id FROM (
      SELECT id, ROW_NUMBER() OVER (ORDER BY created_at DESC) AS rn
      FROM github.packages.auth_user_versions
      WHERE package_type = 'npm' AND package_name = 'hello-world'
    )
    WHERE rn > 100
  );
