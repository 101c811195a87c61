-- wrk script for the reference app (bench/README.md): runs one of its own scripts unchanged, named by
-- BENCH_REFERENCE_SCRIPT (auth_get.lua, post_random.lua), and reports like bench.lua, so run.py reads the
-- reference's rounds the same way as the product's.

dofile(os.getenv("BENCH_REFERENCE_SCRIPT"))
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")
