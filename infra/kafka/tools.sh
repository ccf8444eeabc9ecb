#!/usr/bin/env bash
# Kafka's operator commands without a Kafka tarball: the tool classes come from the kafka-tools jar
# that pom.xml fetches with the broker (into the shared cache, on first use).
#
#   infra/kafka/tools.sh kafka-topics --describe --topic tuneton.playlist.events
#   infra/kafka/tools.sh kafka-consumer-groups --list
#   infra/kafka/tools.sh kafka-consumer-groups --describe --group tuneton-projector-search
#   infra/kafka/tools.sh org.apache.kafka.tools.GetOffsetShell --topic tuneton.commands   # any class
#
# Commands: kafka-topics, kafka-consumer-groups, kafka-configs, kafka-get-offsets,
# kafka-console-consumer, kafka-reassign-partitions, kafka-metadata-quorum, kafka-leader-election,
# kafka-delete-records, kafka-log-dirs; or a fully qualified class name. --bootstrap-server defaults
# to this stack's brokers (TUNETON_KAFKA_BOOTSTRAP, else 127.0.0.1:9092, or the 3 of
# TUNETON_KAFKA_NODES=3).
set -euo pipefail
LOG_TAG=kafka-tools
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=jars.sh
source "$INFRA_DIR/kafka/jars.sh"

(($# >= 1)) || { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
command=$1
shift
case $command in
  kafka-topics) class=org.apache.kafka.tools.TopicCommand ;;
  kafka-consumer-groups) class=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
  kafka-configs) class=kafka.admin.ConfigCommand ;;
  kafka-get-offsets) class=org.apache.kafka.tools.GetOffsetShell ;;
  kafka-console-consumer) class=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
  kafka-reassign-partitions) class=org.apache.kafka.tools.reassign.ReassignPartitionsCommand ;;
  kafka-metadata-quorum) class=org.apache.kafka.tools.MetadataQuorumCommand ;;
  kafka-leader-election) class=org.apache.kafka.tools.LeaderElectionCommand ;;
  kafka-delete-records) class=org.apache.kafka.tools.DeleteRecordsCommand ;;
  kafka-log-dirs) class=org.apache.kafka.tools.LogDirsCommand ;;
  *.*) class=$command ;;
  *) die "unknown command $command (see infra/kafka/tools.sh without arguments)" ;;
esac

args=("$@")
has_bootstrap=0
for arg in "${args[@]}"; do
  [[ $arg == --bootstrap-server* || $arg == --bootstrap-controller* ]] && has_bootstrap=1
done
((has_bootstrap)) || args=(--bootstrap-server "${TUNETON_KAFKA_BOOTSTRAP:-$KAFKA_BOOTSTRAP}" "${args[@]}")

fetch_jars
if [[ $PROFILE == kafka39 ]]; then
  LOG_OPT="-Dlog4j.configuration=file:$K/log4j.properties"
else
  LOG_OPT="-Dlog4j2.configurationFile=$K/log4j2.properties"
fi
exec java -Xmx256m -XX:+UseSerialGC -Djava.awt.headless=true "$LOG_OPT" -cp "$LIBS/*" "$class" "${args[@]}"
