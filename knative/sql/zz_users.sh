# shellcheck shell=bash
# shellcheck disable=SC2317 # `return ... || exit`: the exit is reached when run by hand, not sourced
# One MySQL user per facetrail component, with only the grants its code needs (written by hand,
# not generated: `npm run knative:sql` keeps it). The owner the image creates from MYSQL_USER
# (facetrail: every right on the database, DDL included) is for migrations only; no component
# connects as it.
#
# On MySQL's first start the official image's entrypoint sources this file (a ConfigMap file is
# not executable) after the migrations and their record: the files of /docker-entrypoint-initdb.d
# run in name order, and a table grant needs its table. Run it again by hand, as root and safely
# twice, after a migration that adds a table, after changing a password in the Secret, or to add
# the users to a database initialised before they existed:
#
#   kubectl -n facetrail exec mysql-0 -- bash /docker-entrypoint-initdb.d/zz_users.sh
#
# Each password comes from the Secret through the MySQL container's
# FACETRAIL_<COMPONENT>_DB_PASSWORD variable (10-mysql.yaml) and must be the one inside that
# component's <component>-database-url. Grants are per table: a migration that adds a column
# needs nothing here, one that adds a table needs its grants here (test/knative/grants.test.ts
# fails until every table has a reader). Grants are only added, never taken away: to remove one
# from a running database, REVOKE it by hand too.

# The password in variable $1, refused unless it is safe inside SQL quotes and a URL unescaped.
facetrail_db_password() {
  local name=$1
  local value=${!name:-}
  if [[ -z $value ]]; then
    echo "zz_users.sh: $name is not set: add its key to the Secret facetrail-secrets (knative/secret.example.yaml)" >&2
    return 1
  fi
  if [[ $value == *CHANGE_ME* ]]; then
    echo "zz_users.sh: $name is still the example's placeholder: generate one (openssl rand -hex 24)" >&2
    return 1
  fi
  if [[ ! $value =~ ^[A-Za-z0-9._~-]{16,}$ ]]; then
    echo "zz_users.sh: $name must be 16 or more of A-Z a-z 0-9 . _ ~ - (openssl rand -hex 24 makes one)" >&2
    return 1
  fi
  printf '%s' "$value"
}

# The statements, on stdout; nothing is printed unless every password is acceptable.
facetrail_users_sql() {
  local db=${MYSQL_DATABASE:-}
  if [[ ! $db =~ ^[A-Za-z0-9_]+$ ]]; then
    echo "zz_users.sh: MYSQL_DATABASE must name the database (letters, digits, _), got '$db'" >&2
    return 1
  fi
  local receiver processor frontend redeemer recognizer
  receiver=$(facetrail_db_password FACETRAIL_RECEIVER_DB_PASSWORD) || return 1
  processor=$(facetrail_db_password FACETRAIL_PROCESSOR_DB_PASSWORD) || return 1
  frontend=$(facetrail_db_password FACETRAIL_FRONTEND_DB_PASSWORD) || return 1
  redeemer=$(facetrail_db_password FACETRAIL_REDEEMER_DB_PASSWORD) || return 1
  recognizer=$(facetrail_db_password FACETRAIL_RECOGNIZER_DB_PASSWORD) || return 1

  cat <<EOSQL
-- Receiver: submits images and publishes them, reads results and people, creates people
-- (their photos are enrolled by the recognizer), forgets people and deletes images for an
-- admin (DELETE /people/:id, DELETE /images/:id), manages API keys and records their use.
-- A DELETE or UPDATE with a WHERE reads the table too, hence SELECT wherever rows are removed.
CREATE USER IF NOT EXISTS 'facetrail_receiver'@'%' IDENTIFIED BY '${receiver}';
ALTER USER 'facetrail_receiver'@'%' IDENTIFIED BY '${receiver}';
GRANT SELECT, INSERT, UPDATE, DELETE ON \`${db}\`.images TO 'facetrail_receiver'@'%';
GRANT SELECT, UPDATE, DELETE ON \`${db}\`.faces TO 'facetrail_receiver'@'%';
GRANT SELECT, INSERT, DELETE ON \`${db}\`.person TO 'facetrail_receiver'@'%';
GRANT SELECT, DELETE ON \`${db}\`.person_images TO 'facetrail_receiver'@'%';
GRANT SELECT, INSERT, DELETE ON \`${db}\`.forgotten_people TO 'facetrail_receiver'@'%';
GRANT SELECT, INSERT, DELETE, UPDATE (last_used_at) ON \`${db}\`.api_keys TO 'facetrail_receiver'@'%';
-- Forgetting a person clears the details (names) of their audit log entries.
GRANT SELECT (person_id), UPDATE (details) ON \`${db}\`.audit_log TO 'facetrail_receiver'@'%';
-- An admin lists, replays (marks replayed) and purges dead letters (/dead-letters).
GRANT SELECT, UPDATE (replayed_at), DELETE ON \`${db}\`.dead_letters TO 'facetrail_receiver'@'%';

-- Processor: claims an image, stores its faces and its final status (or hands it back).
CREATE USER IF NOT EXISTS 'facetrail_processor'@'%' IDENTIFIED BY '${processor}';
ALTER USER 'facetrail_processor'@'%' IDENTIFIED BY '${processor}';
GRANT SELECT, UPDATE ON \`${db}\`.images TO 'facetrail_processor'@'%';
GRANT SELECT, INSERT, DELETE ON \`${db}\`.faces TO 'facetrail_processor'@'%';

-- Frontend: reads results, people and keys (sign-in), records when a key was last used (that
-- column only), and does an admin's changes from the page: adds, renames, merges and forgets
-- people, removes enrollment photos (the recognizer stores new ones), deletes images, and writes
-- each change to the audit log.
CREATE USER IF NOT EXISTS 'facetrail_frontend'@'%' IDENTIFIED BY '${frontend}';
ALTER USER 'facetrail_frontend'@'%' IDENTIFIED BY '${frontend}';
GRANT SELECT, DELETE ON \`${db}\`.images TO 'facetrail_frontend'@'%';
GRANT SELECT, UPDATE, DELETE ON \`${db}\`.faces TO 'facetrail_frontend'@'%';
GRANT SELECT, INSERT, UPDATE (name), DELETE ON \`${db}\`.person TO 'facetrail_frontend'@'%';
GRANT SELECT, INSERT, UPDATE (person_id), DELETE ON \`${db}\`.person_images TO 'facetrail_frontend'@'%';
GRANT SELECT, INSERT, UPDATE (details) ON \`${db}\`.audit_log TO 'facetrail_frontend'@'%';
GRANT SELECT, INSERT, DELETE ON \`${db}\`.forgotten_people TO 'facetrail_frontend'@'%';
GRANT SELECT, UPDATE (last_used_at) ON \`${db}\`.api_keys TO 'facetrail_frontend'@'%';

-- Redeemer: finds images the queue may have lost and marks them re-published; purges results
-- past their retention; stores the dead-letter topic's letters, dropping those of final images.
CREATE USER IF NOT EXISTS 'facetrail_redeemer'@'%' IDENTIFIED BY '${redeemer}';
ALTER USER 'facetrail_redeemer'@'%' IDENTIFIED BY '${redeemer}';
GRANT SELECT, UPDATE, DELETE ON \`${db}\`.images TO 'facetrail_redeemer'@'%';
GRANT SELECT, DELETE ON \`${db}\`.faces TO 'facetrail_redeemer'@'%';
GRANT SELECT, INSERT, DELETE ON \`${db}\`.dead_letters TO 'facetrail_redeemer'@'%';

-- Recognizer: loads the gallery, enrolls photos (Enroll, KNOWN_PEOPLE_DIR) and creates the
-- people of its folder, skipping forgotten ones.
CREATE USER IF NOT EXISTS 'facetrail_recognizer'@'%' IDENTIFIED BY '${recognizer}';
ALTER USER 'facetrail_recognizer'@'%' IDENTIFIED BY '${recognizer}';
GRANT SELECT, INSERT ON \`${db}\`.person TO 'facetrail_recognizer'@'%';
GRANT SELECT, INSERT ON \`${db}\`.person_images TO 'facetrail_recognizer'@'%';
GRANT SELECT ON \`${db}\`.forgotten_people TO 'facetrail_recognizer'@'%';
EOSQL
}

# Sourced, a failure returns to the entrypoint (which stops); run by hand, it exits.
if ! facetrail_users=$(facetrail_users_sql); then
  return 1 2>/dev/null || exit 1
fi
if declare -F docker_process_sql >/dev/null; then
  # Sourced by the entrypoint: its temporary server, as root.
  docker_process_sql <<<"$facetrail_users" || { return 1 2>/dev/null || exit 1; }
else
  # By hand in the running container: as root over the socket.
  mysql --defaults-extra-file=<(printf '[client]\npassword="%s"\n' "${MYSQL_ROOT_PASSWORD:-}") \
    --protocol=socket -uroot "${MYSQL_DATABASE}" <<<"$facetrail_users" || { return 1 2>/dev/null || exit 1; }
  echo "zz_users.sh: the users of facetrail's components are up to date in ${MYSQL_DATABASE}"
fi
unset facetrail_users
