#!/usr/bin/env bash
# Example ACLs for samenspel (see docs/privacy.md). Raw and dead-letter topics hold original bytes
# with citizen identifiers: only the worker and the operations group may touch them. The feed is
# readable by consumer principals. Adjust principals, prefix and the admin config to your cluster.
#
#   BOOTSTRAP=broker:9093 ADMIN_CONFIG=admin.properties PREFIX=samenspel ./kafka-acls.sh
set -euo pipefail

BOOTSTRAP="${BOOTSTRAP:-localhost:9092}"
ADMIN_CONFIG="${ADMIN_CONFIG:-admin.properties}"   # SASL/SSL settings of an admin principal
PREFIX="${PREFIX:-samenspel}"
WORKER="${WORKER:-User:samenspel-worker}"          # the faust workers
CONNECT="${CONNECT:-User:samenspel-connect}"       # connectors: write raw, keep offsets
OPS="${OPS:-Group:samenspel-ops}"                  # operators: replay, inspect dead letters
CONSUMERS="${CONSUMERS:-User:kcc-dashboard User:open-klant-sync User:bi-export}"

acl() { kafka-acls.sh --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" "$@"; }

# Connectors produce to raw topics and manage their own offsets topic.
acl --add --allow-principal "$CONNECT" --operation Write --operation Describe \
    --topic "$PREFIX.raw." --resource-pattern-type prefixed
acl --add --allow-principal "$CONNECT" --operation Read --operation Write --operation Describe \
    --topic "$PREFIX.connect.offsets"
acl --add --allow-principal "$CONNECT" --idempotent

# Workers read raw, write the feed, stats and dead letters, and use their own consumer group and
# internal changelog topics (faust creates "<app id>-*" topics).
acl --add --allow-principal "$WORKER" --operation Read --operation Describe \
    --topic "$PREFIX.raw." --resource-pattern-type prefixed
acl --add --allow-principal "$WORKER" --operation Write --operation Describe \
    --topic "$PREFIX.interactions" --topic "$PREFIX.stats" --topic "$PREFIX.deadletter"
acl --add --allow-principal "$WORKER" --operation All \
    --topic "$PREFIX-" --resource-pattern-type prefixed
acl --add --allow-principal "$WORKER" --operation Read \
    --group "$PREFIX" --resource-pattern-type prefixed
acl --add --allow-principal "$WORKER" --idempotent

# Operations: read raw and dead letters (replay), write raw for a replay, own consumer groups.
acl --add --allow-principal "$OPS" --operation Read --operation Describe \
    --topic "$PREFIX.raw." --resource-pattern-type prefixed
acl --add --allow-principal "$OPS" --operation Read --operation Describe \
    --topic "$PREFIX.deadletter"
acl --add --allow-principal "$OPS" --operation Write \
    --topic "$PREFIX.raw." --resource-pattern-type prefixed
acl --add --allow-principal "$OPS" --operation Read --group "$PREFIX-ops" \
    --resource-pattern-type prefixed

# Consumers: read the feed and the stats, nothing else; one group prefix per consumer.
for consumer in $CONSUMERS; do
    name="${consumer#User:}"
    acl --add --allow-principal "$consumer" --operation Read --operation Describe \
        --topic "$PREFIX.interactions" --topic "$PREFIX.stats"
    acl --add --allow-principal "$consumer" --operation Read \
        --group "$name" --resource-pattern-type prefixed
done

# With allow.everyone.if.no.acl.found=false on the brokers, everything not listed is denied.
# Check: acl --list --topic "$PREFIX.deadletter"
