-- wrk script for run.sh's upload row: every request is a POST with a 64 KiB body.
wrk.method = "POST"
wrk.body = string.rep("a", 65536)
wrk.headers["Content-Type"] = "application/octet-stream"
