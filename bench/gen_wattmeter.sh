#!/bin/sh
# bench/gen_wattmeter.sh: writes a synthetic OmegaWatt wattmetre-read log (six
# sockets, a frame every 10 ms) of HOURS hours to FILE, in the logger's exact
# dialect: the #-header, epoch seconds with 9-digit
# nanoseconds, %.1f readings, -0.0 on idle plugs and one bad frame in 5000.
# (No stray diagnostic line: sqlite3 .import must see the header first to be
# comparable.) Used by bench/wattmeter.sh when build/release/gen-sample has no --wattmeter.
# Usage: gen_wattmeter.sh FILE HOURS
set -eu
out=$1; hours=$2
awk -v hours="$hours" 'BEGIN {
  n = int(hours * 3600 * 100); srand(42)
  print "#timestamp,#frame_is_ok,#U1,#U2,#U3,#current1,#activepow1,#current2,#activepow2,#current3,#activepow3,#current4,#activepow4,#current5,#activepow5,#current6,#activepow6"
  sec = 1745428511; ns = 39678535
  for (i = 0; i < n; i++) {
    ns += 9600000 + int(rand() * 800000)
    if (ns >= 1000000000) { sec++; ns -= 1000000000 }
    if (i % 5000 == 4999) { printf "%d.%09d,false,,,,,,,,,,,,,,,\n", sec, ns; continue }
    p1 = 150 + 100 * rand(); p5 = 180 + 5 * rand()
    printf "%d.%09d,true,%.1f,0.0,0.0,%.1f,%.1f,0.0,-0.0,%.1f,%.1f,0.0,-0.0,%.1f,%.1f,0.0,0.0\n",
      sec, ns, 239 + 2 * rand(), p1 / 230, p1, 0.4 + rand() / 10, 95 + rand(), p5 / 230, p5
  }
}' > "$out"
