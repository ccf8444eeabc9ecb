# shellcheck shell=bash
# Kafka's version and jars, shared by infra/kafka/start.sh and infra/kafka/tools.sh. Sourced after
# ../lib.sh. KAFKA_PROFILE=kafka39 (default, Kafka 3.9.1) | kafka4 (Kafka 4.1.1).
K="$INFRA_DIR/kafka"
PROFILE=${KAFKA_PROFILE:-kafka39}
# Keep in sync with the <kafka.version> of each profile in pom.xml.
case $PROFILE in
  kafka39) VERSION=3.9.1 ;;
  kafka4) VERSION=4.1.1 ;;
  *) die "unknown KAFKA_PROFILE=$PROFILE (use kafka39 or kafka4)" ;;
esac
LIBS="$CACHE_DIR/kafka-$VERSION/libs"

# Jars: fetched once per version into the shared cache (not the checkout): the broker and the
# operator tools (kafka-topics, kafka-consumer-groups, ...). Download into a temp dir and rename, so an
# interrupted mvn run never leaves a half-filled libs/ that would be mistaken for a complete one.
fetch_jars() {
  [[ -f $LIBS/kafka_2.13-$VERSION.jar && -f $LIBS/kafka-tools-$VERSION.jar ]] && return 0
  log "fetching Kafka $VERSION jars with mvn (profile $PROFILE) into $LIBS"
  local tmp
  tmp=$(mktemp -d "$CACHE_DIR/.kafka-libs.XXXXXX")
  mvn -q -B -Dstyle.color=never -f "$K/pom.xml" -P "$PROFILE" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" ||
    { rm -rf "$tmp"; die "mvn failed to fetch Kafka $VERSION"; }
  mkdir -p "$(dirname "$LIBS")"
  if [[ -d $LIBS ]]; then
    # A libs/ from before kafka-tools was listed: add the missing jars beside the ones running
    # brokers have open, never replace the directory under them.
    cp -n "$tmp"/*.jar "$LIBS"/
    rm -rf "$tmp"
  else
    mv "$tmp" "$LIBS"
  fi
}
