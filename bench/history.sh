#!/usr/bin/env bash
# bench/history.sh: the history's cost budget (README, "History and
# reports"), measured with a fake clock: made-up probes of 4,000 hosts fed
# through the real aggregator and state file for DAYS days (CPU of the
# history's own work per day, file size per day), 400 days of hourly rows
# for 4,000 hosts, and 50 hosts for 3 days. No network, no root.
#
#   bench/history.sh [DAYS]      # DAYS of 4,000 hosts (default 2); about 8 minutes a day
set -euo pipefail
cd "$(dirname "$0")/.."
days=${1:-2}
go version
echo "== 4000 hosts, $days day(s) of minutes"
HISTORY_DAYS=$days go test -tags bench -run 'HistoryBudget4000$' -v -count=1 -timeout 120m ./bench/ | grep -v '^=== RUN'
echo "== 4000 hosts, 400 days of hours"
go test -tags bench -run 'HistoryBudget400Days$' -v -count=1 -timeout 120m ./bench/ | grep -v '^=== RUN'
echo "== 50 hosts, 3 days"
go test -tags bench -run 'HistoryBudget50$' -v -count=1 -timeout 60m ./bench/ | grep -v '^=== RUN'
