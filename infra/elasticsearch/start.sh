#!/usr/bin/env bash
# Start a single-node Elasticsearch 8.19 on 127.0.0.1:9200 (security off, 512 MB heap), detached,
# data, logs and pid file under $TUNETON_STACK_DIR/elasticsearch. Waits for yellow cluster health.
#   TUNETON_ES_PORT / TUNETON_ES_TRANSPORT_PORT   override 9200 / 9300
#   ES_JAVA=...                                   java to use (17+; auto-detected)
# The distribution is Maven Central's integ-test zip (~97 MB, no bundled JDK, no analysis-common:
# tuneton does its text analysis in Python, see tuneton/media/search_text.py), fetched once with
# mvn into ~/.m2 and unpacked into $TUNETON_CACHE_DIR. Elasticsearch refuses to run as root, so as
# root it runs as the system user `tuneton-es`. Idempotent: a node already answering is left alone.
set -euo pipefail
LOG_TAG=elasticsearch
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

VERSION=8.19.3
ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$VERSION:zip"
# Elasticsearch refuses to run as root, so as root it runs as the system user tuneton-es, which cannot
# enter root's home (mode 700 on a new machine). The zip stays cached in $CACHE_DIR/dl; its unpacked
# distribution and the node's state then live under /var/lib/tuneton, a directory this project owns.
# Directories the project does not own are never loosened.
if [[ $(id -u) == 0 ]]; then
  HOME_DIR="/var/lib/tuneton/elasticsearch-$VERSION"
else
  HOME_DIR="$CACHE_DIR/elasticsearch-$VERSION"
fi
PORT=${TUNETON_ES_PORT:-9200}
TRANSPORT_PORT=${TUNETON_ES_TRANSPORT_PORT:-9300}
URL="http://127.0.0.1:$PORT"
# Resolved: as root the state may be a link into /var/lib/tuneton (service_state_dir), and the
# JVM's command line, which pid_alive matches, names the real path.
STATE=$(readlink -m "$STACK_DIR/elasticsearch")
PIDFILE="$STATE/elasticsearch.pid"
LOGFILE="$STATE/elasticsearch.out"
ES_USER=tuneton-es
START_TIMEOUT=${ES_START_TIMEOUT:-180}

es_answers() {
  curl -fs --max-time 3 -o /dev/null "$URL/_cluster/health?wait_for_status=yellow&timeout=2s"
}

as_es() {
  if [[ $(id -u) == 0 ]]; then runuser -u "$ES_USER" -- "$@"; else "$@"; fi
}

if es_answers; then
  if pid_alive "$PIDFILE" "$STATE/tmp"; then
    log "already running on $URL (pid $(<"$PIDFILE"))"
  else
    log "an Elasticsearch not started by this script already answers on $URL; leaving it"
  fi
  exit 0
fi

if [[ $(id -u) == 0 ]]; then
  id "$ES_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
fi
STATE=$(service_state_dir "$ES_USER" elasticsearch)
PIDFILE="$STATE/elasticsearch.pid"
LOGFILE="$STATE/elasticsearch.out"

find_java() {
  local j
  for j in ${ES_JAVA:+"$ES_JAVA"} /usr/lib/jvm/java-17-openjdk-amd64/bin/java /usr/lib/jvm/java-21-openjdk-amd64/bin/java \
    ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java || true)"; do
    [[ -n $j && -x $j ]] && { echo "$j"; return 0; }
  done
  return 1
}

if pid_alive "$PIDFILE" "$STATE/tmp"; then
  log "pid $(<"$PIDFILE") is starting; waiting for it"
else
  for port in "$PORT" "$TRANSPORT_PORT"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      die "port $port is in use by something that is not a healthy Elasticsearch"
    fi
  done
  JAVA=$(find_java) || die "no java found (Elasticsearch $VERSION needs Java 17+; set ES_JAVA)"
  JAVA_HOME_DIR=$(dirname "$(dirname "$(readlink -f "$JAVA")")")

  if [[ ! -x $HOME_DIR/bin/elasticsearch ]]; then
    log "fetching Elasticsearch $VERSION (integ-test zip) with mvn"
    mkdir -p "$CACHE_DIR/dl"
    mvn -q -B dependency:copy -Dartifact="$ARTIFACT" -DoutputDirectory="$CACHE_DIR/dl" -Dstyle.color=never ||
      die "mvn could not fetch $ARTIFACT"
    mkdir -p "$(dirname "$HOME_DIR")"
    tmp=$(mktemp -d "$(dirname "$HOME_DIR")/.es.XXXXXX")
    unzip -q "$CACHE_DIR/dl/elasticsearch-$VERSION.zip" -d "$tmp" || { rm -rf "$tmp"; die "unzip failed"; }
    rm -rf "$HOME_DIR"
    mv "$tmp/elasticsearch-$VERSION" "$HOME_DIR"
    rm -rf "$tmp"
    chmod -R a+rX "$HOME_DIR"
  fi

  # Config, data, logs and temp files live in the state dir, owned by whoever runs the node.
  mkdir -p "$STATE/config" "$STATE/data" "$STATE/logs" "$STATE/tmp"
  cp -n "$HOME_DIR"/config/* "$STATE/config/" 2>/dev/null || true
  sed -e "s#@STATE@#$STATE#g" -e "s#@HTTP_PORT@#$PORT#" -e "s#@TRANSPORT_PORT@#$TRANSPORT_PORT#" \
    "$INFRA_DIR/elasticsearch/elasticsearch.yml" >"$STATE/config/elasticsearch.yml"
  if [[ $(id -u) == 0 ]]; then
    chown -R "$ES_USER:" "$STATE"
    runuser -u "$ES_USER" -- test -x "$HOME_DIR/bin/elasticsearch" || die "$ES_USER cannot run $HOME_DIR"
  fi

  log "starting Elasticsearch $VERSION on $URL with $JAVA (log: $STATE/logs)"
  # -d daemonises and -p writes the JVM's pid; the launcher returns once the node has started.
  as_es env ES_JAVA_HOME="$JAVA_HOME_DIR" ES_PATH_CONF="$STATE/config" ES_TMPDIR="$STATE/tmp" \
    ES_JAVA_OPTS="-Xms512m -Xmx512m -XX:ActiveProcessorCount=2" \
    "$HOME_DIR/bin/elasticsearch" -d -p "$PIDFILE" -s </dev/null >>"$LOGFILE" 2>&1 ||
    { tail_log "$LOGFILE"; tail_log "$STATE/logs/tuneton.log"; die "Elasticsearch failed to start"; }
fi

for ((i = 0; i < START_TIMEOUT; i++)); do
  if es_answers; then
    log "ready on $URL (pid $(<"$PIDFILE"))"
    exit 0
  fi
  if [[ -f $PIDFILE ]] && ! pid_alive "$PIDFILE" "$STATE/tmp"; then
    tail_log "$STATE/logs/tuneton.log"
    die "Elasticsearch exited during start-up"
  fi
  sleep 1
done
tail_log "$STATE/logs/tuneton.log"
die "Elasticsearch not healthy within ${START_TIMEOUT}s (left running; infra/elasticsearch/stop.sh stops it)"
