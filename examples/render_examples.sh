#!/usr/bin/env bash
# Re-make the example outputs shown in the README (needs pdftoppm from poppler-utils).
set -euo pipefail
cd "$(dirname "$0")"
out=$(mktemp -d)

# The first page of PDF $1 with a line of its own saying $2 (a month's title): the summary before the
# calendar grows with the schedule, so its pages are found, not counted. (grep reads the whole
# page: `grep -q` would stop early and, under pipefail, fail the match on pdftotext's SIGPIPE.)
page_of() {
    local pages
    pages=$(pdfinfo "$1" | awk '/^Pages:/ {print $2}')
    for ((page = 1; page <= pages; page++)); do
        if pdftotext -f "$page" -l "$page" "$1" - | grep -x "$2" > /dev/null; then
            echo "$page"
            return
        fi
    done
    echo "no page of $1 holds $2" >&2
    return 1
}
planner titrate seizure-adult --start 2027-01-04 --target 4 --age 40 --weight 70 \
    --patient "Example patient" --pdf "$out/titration.pdf" --plot titration-plot.png --csv titration.csv > /dev/null
planner taper panic-adult --start 2027-12-06 --from 2 --product us-odt \
    --pdf "$out/taper.pdf" --plot taper-plot.png > /dev/null
pdftoppm -r 70 -png -f 1 -l 1 -singlefile "$out/titration.pdf" titration-summary
page=$(page_of "$out/titration.pdf" "January 2027")
pdftoppm -r 70 -png -f "$page" -l "$page" -singlefile "$out/titration.pdf" titration-calendar
page=$(page_of "$out/taper.pdf" "December 2027")
pdftoppm -r 70 -png -f "$page" -l "$page" -singlefile "$out/taper.pdf" taper-calendar-december
planner titrate seizure-pediatric --start 2027-01-04 --weight 12.5 --age 3 \
    --product rivotril-drops --patient "Example child" --pdf "$out/child.pdf" > /dev/null
pdftoppm -r 70 -png -f 1 -l 1 -singlefile "$out/child.pdf" child-summary
planner taper panic-adult --start 2027-03-01 --from 2 --pace asam --product us-odt --lang es \
    --patient "Зоя Иванова" --pdf "$out/es.pdf" > /dev/null
page=$(page_of "$out/es.pdf" "Marzo de 2027")
pdftoppm -r 70 -png -f "$page" -l "$page" -singlefile "$out/es.pdf" spanish-calendar
cp "$out/titration.pdf" titration.pdf
rm -r "$out"
planner course panic-adult --start 2027-01-04 --target 2 --maintain 180 --pace asam \
    --age 40 --plot course-plot.png > /dev/null
planner switch panic-adult --start 2027-01-04 --from-drug alprazolam --from 1.5 \
    --then-pace asam --age 40 --plot switch-plot.png > /dev/null
planner switch panic-adult --start 2027-01-04 --from-drug alprazolam --from 4 --age 40 \
    --plot switch-levels.png > /dev/null
planner compare --from 2 --product rivotril-drops --start 2027-03-01 --plot compare-paces.png > /dev/null
planner titrate seizure-adult --start 2027-01-04 --target 6 --age 40 --weight 70 \
    --plot titration-concentration.png --concentration > /dev/null
planner plan hyperbolic-drops.plan.toml --plot hyperbolic-drops-plot.png > /dev/null
planner taper panic-adult --start 2027-03-01 --from 2 --pace asam --product us-odt --age 52 \
    --symptoms taper-symptoms.csv --plot taper-symptoms-plot.png > /dev/null
# The README's taper revised at three visits (A plan that lives), and its plot.
revisions=$(mktemp -d)
planner taper panic-adult --start 2027-03-01 --from 2 --pace asam --save-plan "$revisions/v1.plan.toml" > /dev/null
planner revise "$revisions/v1.plan.toml" --on 2027-04-15 --hold 14 \
    --reason "anxious and sleeping badly since the last cut" --out "$revisions/v2.plan.toml" > /dev/null
planner revise "$revisions/v2.plan.toml" --on 2027-06-10 --step-back \
    --reason "withdrawal symptoms at 1 mg/day" --out "$revisions/v3.plan.toml" > /dev/null
planner revise "$revisions/v3.plan.toml" --on 2027-09-01 --taken 0.5 \
    --reason "has taken 0.5 mg/day since the start of September" --out "$revisions/v4.plan.toml" \
    --plot revised-taper-plot.png > /dev/null
rm -r "$revisions"
