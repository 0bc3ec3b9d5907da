"""Prints the main thread's long tasks in a Chrome trace and, for each, where its time went: the
call tree of the CPU profile's samples inside the task, by function name, merged by path.

The trace comes from Lighthouse with `--save-assets` and the V8 sampling profiler on
(`--additional-trace-categories=disabled-by-default-v8.cpu_profiler`); the app's wasm must keep
its name section for Rust's function names to show (scripts/profile-start.sh serves such a build).
Times are as observed, unthrottled, and inflated by the profiler itself: read them as shares.

Usage: long-tasks.py TRACE_JSON [MIN_TASK_MS] [DEPTH] [MIN_MS]
Figures, not pass/fail. Called by scripts/profile-start.sh.
"""

import collections
import json
import re
import sys


def short(name):
    """A Rust symbol without crate hashes, cut to a line."""
    return re.sub(r"\[[0-9a-f]{16}\]", "", name or "(anonymous)")[:150]


def main():
    trace = json.load(open(sys.argv[1]))
    min_task_ms = float(sys.argv[2]) if len(sys.argv) > 2 else 15
    depth = int(sys.argv[3]) if len(sys.argv) > 3 else 14
    min_ms = float(sys.argv[4]) if len(sys.argv) > 4 else 3
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    thread_names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e["name"] == "thread_name"}
    origin = min(e["ts"] for e in events if e.get("ts"))
    for profile in (e for e in events if e["name"] == "Profile"):
        thread = (profile["pid"], profile["tid"])
        if thread_names.get(thread) != "CrRendererMain":
            continue
        # A profile's nodes and samples come in chunks; node ids are per profile.
        nodes, samples, deltas = {}, [], []
        for chunk in events:
            if chunk["name"] == "ProfileChunk" and (chunk["pid"], chunk["id"]) == (profile["pid"], profile["id"]):
                data = chunk["args"]["data"]
                for node in data.get("cpuProfile", {}).get("nodes", []):
                    nodes[node["id"]] = node
                samples += data.get("cpuProfile", {}).get("samples", [])
                deltas += data.get("timeDeltas", [])
        if not samples:
            continue
        parent = {node["id"]: node["parent"] for node in nodes.values() if "parent" in node}
        times, now = [], profile["args"]["data"]["startTime"]
        for delta in deltas:
            now += delta
            times.append(now)
        tasks = sorted(
            (e for e in events if (e["pid"], e["tid"]) == thread and e["name"] == "RunTask" and e.get("dur", 0) >= min_task_ms * 1000),
            key=lambda e: e["ts"],
        )
        print("long tasks on the page's main thread (start ms, duration ms, observed): "
              + ", ".join(f"{(t['ts'] - origin) / 1000:.0f} ({t['dur'] / 1000:.1f})" for t in tasks))
        for task in tasks:
            start, end = task["ts"], task["ts"] + task["dur"]
            by_path = collections.Counter()
            for index, sample in enumerate(samples):
                if not start <= times[index] < end:
                    continue
                weight = times[index + 1] - times[index] if index + 1 < len(times) else 0
                chain, node = [], sample
                while node in nodes:
                    chain.append(nodes[node]["callFrame"]["functionName"])
                    node = parent.get(node)
                chain.reverse()
                for length in range(1, min(len(chain), depth) + 1):
                    by_path[tuple(chain[:length])] += weight
            print(f"\ntask at {(start - origin) / 1000:.0f} ms, {task['dur'] / 1000:.1f} ms:")
            for path, micros in sorted(by_path.items()):
                # The wrappers between the browser and a Rust future add nothing to read.
                if micros / 1000 >= min_ms and len(path) > 1:
                    print(f"{'  ' * (len(path) - 2)}{micros / 1000:6.1f}  {short(path[-1])}")


if __name__ == "__main__":
    main()
