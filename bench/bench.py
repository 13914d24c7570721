"""headroom.cloud benchmark: how close the modules and the role are to the floor Ansible sets.

    python bench/bench.py [--quick] [--reps N] [--only 1,2,3,4,4b,4c,5,6] [--large-fleet N] [--json PATH]

Starts the bundled emulator (loopback only) and prints, for each pair, the median wall time of
alternating runs of both sides made in this one invocation, and their ratio:

  1. ad hoc kms_quota_info, and ad hoc taurusdb_quota_info, vs `ansible localhost -m ping`;
  2. kms_quota_info over a region with 20 KMS instances vs 1 instance (200 ms per reply), with the
     listing in one page and in pages of 10 (a server may page below the 100 asked for);
  3. the quota_gate role over 4 distinct targets vs 1 target (200 ms per reply);
  4. 20 inventory hosts gated with forks 20 vs 1 host; the gate vs ping on the same 1 and 20 hosts
     (forks 20), with the CPU seconds of each; what the gate adds to a deploy: a play of one task
     with the gate vs the same play without it, on 1 and 20 hosts, in seconds;
     with --large-fleet N, also on N hosts with forks 20 (both scopes);
  5. the peak RSS of each module process;
  6. HTTP requests per target, from the emulator's request log.

It is a measurement, not a test: it asserts nothing about times. CI runs it with --quick.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "emulator"))

from cloud_emulator import start_emulator  # noqa: E402
from with_emulator import emulator_environment  # noqa: E402

DEMO = json.loads((ROOT / "tests" / "emulator" / "scenarios" / "demo.json").read_text())
ACCOUNT = DEMO["alicloud"]["instances"][0]["account"]
QUOTAS = DEMO["alicloud"]["instances"][0]["quotas"]
HW_PROJECT = DEMO["huaweicloud"]["projects"][0]["id"]
SECTIONS = ("1", "2", "3", "4", "4b", "4c", "5", "6")


def bench_scenario(latency_ms, page_size_cap=None):
    scenario = json.loads(json.dumps(DEMO))
    scenario["alicloud"].pop("list_page_size_cap", None)
    if page_size_cap:
        scenario["alicloud"]["list_page_size_cap"] = page_size_cap
    # A region with 20 instances beside the demo's one-instance cn-shanghai.
    for index in range(20):
        scenario["alicloud"]["instances"].append(dict(account=ACCOUNT, region="cn-beijing", state="Running",
                                                      id="kst-bjs%04dbench" % index, quotas=QUOTAS))
    scenario["defaults"] = {"latency_ms": latency_ms}
    return scenario


def timed(command, env):
    """Wall seconds, and CPU seconds of the command and every process it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, cwd=str(ROOT), check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit("benchmark command failed (%s):\n%s\n%s" % (" ".join(command), proc.stdout[-2000:],
                                                                     proc.stderr[-2000:]))
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def pair(name, left, right, env, reps, cpu=False, added=False):
    """Alternate the two sides ``reps`` times (after one warm-up each); return medians and ratio."""
    timed(left, env)
    timed(right, env)
    lefts, rights = [], []
    for dummy in range(reps):
        lefts.append(timed(left, env))
        rights.append(timed(right, env))
    result = dict(name=name, left=statistics.median(t for t, c in lefts), right=statistics.median(t for t, c in rights),
                  left_cpu=statistics.median(c for t, c in lefts), right_cpu=statistics.median(c for t, c in rights))
    result["ratio"] = result["left"] / result["right"]
    result["added"] = result["left"] - result["right"]
    line = "%-58s %7.2fs / %7.2fs = %5.2f" % (name, result["left"], result["right"], result["ratio"])
    if cpu:
        line += "   (CPU %.1fs / %.1fs)" % (result["left_cpu"], result["right_cpu"])
    if added:
        line += "   adds %.2fs" % result["added"]
    print(line, flush=True)
    return result


def adhoc(module, args):
    return ["ansible", "localhost", "-m", module, "-a", json.dumps(args)]


def inventory_of(workdir, hosts):
    inventory = workdir / ("inventory-%d.ini" % hosts)
    inventory.write_text("[gated]\n" + "".join(
        "host%02d ansible_connection=local ansible_python_interpreter=%s\n" % (i, sys.executable)
        for i in range(hosts)))
    return inventory


def ping_hosts(workdir, hosts):
    return ["ansible", "gated", "-i", str(inventory_of(workdir, hosts)), "--forks", str(max(hosts, 5)), "-m",
            "ansible.builtin.ping"]


def with_forks(command, forks):
    command = list(command)
    command[command.index("--forks") + 1] = str(forks)
    return command


def gate_playbook(workdir, requirements, hosts=1, scope="host", deploy=False, gated=True):
    """A gate play; with hosts > 1, an inventory of local hosts, each gating the same targets. With deploy, the
    play also has one task after the gate (a deploy of the smallest kind); without gated, it has no gate."""
    inventory = inventory_of(workdir, hosts)
    suffix = ("-deploy" if deploy else "") + ("" if gated else "-ungated")
    play = workdir / ("gate-%d-%d-%s%s.yml" % (len(requirements), hosts, scope, suffix))
    tasks = [{"name": "Deploy", "ansible.builtin.debug": {"msg": "deploying"}}] if deploy else []
    play.write_text(json.dumps([dict(
        name="bench gate", hosts="gated", gather_facts=False, tasks=tasks,
        module_defaults={
            "group/headroom.cloud.alicloud": {
                "region": "cn-hangzhou", "endpoint": "{{ lookup('ansible.builtin.env', 'HEADROOM_KMS_ENDPOINT') }}"},
            "group/headroom.cloud.huaweicloud": {
                "endpoint": "{{ lookup('ansible.builtin.env', 'HEADROOM_TAURUSDB_ENDPOINT') }}"}},
        roles=[dict(role="headroom.cloud.quota_gate",
                    vars=dict(quota_gate_requirements=requirements, quota_gate_scope=scope))] if gated else [])]))
    return ["ansible-playbook", "-i", str(inventory), "--forks", str(max(hosts, 5)), str(play)]


def module_rss(module, args, env):
    """Peak RSS (MB) of one module process, run directly the way AnsiballZ runs it.

    A fresh wrapper process runs the module and reports its children's peak, so the numbers
    of earlier benchmark runs cannot leak into it.
    """
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": args}, handle)
    wrapper = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); print(p.stdout)")
    proc = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m",
                           "ansible_collections.headroom.cloud.plugins.modules." + module, handle.name],
                          env=env, capture_output=True, text=True, check=False)
    os.unlink(handle.name)
    peak_kb, unused_newline, output = proc.stdout.partition("\n")
    if '"failed": true' in output or not peak_kb.strip().isdigit():
        raise SystemExit("module failed: %s %s" % (output[-1000:], proc.stderr[-1000:]))
    return int(peak_kb) / 1024.0


def requests_per_target(emu, command, env):
    emu.reset()
    timed(command, env)
    calls = [c for c in emu.requests() if c.get("vendor") != "control"]
    counts = {}
    for call in calls:
        counts.setdefault(call["operation"], 0)
        counts[call["operation"]] += 1
    return counts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repetition per side (CI: keeps it from rotting)")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--large-fleet", type=int, default=0, metavar="N",
                        help="also gate N hosts with forks 20 in both scopes, against ping on them (slow)")
    parser.add_argument("--only", default=",".join(SECTIONS), metavar="1,2,...",
                        help="run these measurements only (of %s; default: all)" % ",".join(SECTIONS))
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args(argv)
    reps = 1 if args.quick else args.reps
    sections = set(args.only.split(","))
    if sections - set(SECTIONS):
        parser.error("--only: unknown measurement %s" % ", ".join(sorted(sections - set(SECTIONS))))
    core = subprocess.run(["ansible", "--version"], capture_output=True, text=True, check=False).stdout.split("\n")[0]
    results = dict(reps=reps, cpus=os.cpu_count(), python=sys.version.split()[0], ansible=core.strip(), pairs=[])
    base_env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0",
                    ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ALIBABA_CLOUD_ECS_METADATA_DISABLED="true")
    print("machine: %d cores, Python %s, %s; median of %d alternating runs per side" % (
        results["cpus"], results["python"], results["ansible"], reps))
    workdir = Path(tempfile.mkdtemp(prefix="headroom-bench-"))

    fast = start_emulator(bench_scenario(0))
    slow = start_emulator(bench_scenario(200))
    try:
        fast_env = dict(base_env, **emulator_environment(fast, DEMO))
        slow_env = dict(base_env, **emulator_environment(slow, DEMO))
        kms_args = dict(region="cn-hangzhou", kms_instance_id="kst-hzz0001demo", endpoint=fast.url("cn-hangzhou"))
        tdb_args = dict(region="cn-north-4", project_id=HW_PROJECT, endpoint=fast.url("main"))
        ping = ["ansible", "localhost", "-m", "ansible.builtin.ping"]
        one_target = [dict(service="kms", resource_type="key", kms_instance_id="kst-hzz0001demo", need=1)]
        # An instance with an unlimited key quota, so that 20 hosts fit together in play scope too.
        fleet_target = [dict(service="kms", resource_type="key", kms_instance_id="kst-hzz0002demo", need=1)]
        if "1" in sections:
            print("== 1. ad hoc module call vs ansible -m ping (goals: kms <= 1.35, taurusdb <= 1.20) ==")
            results["pairs"].append(pair("kms_quota_info / ping", adhoc("headroom.cloud.kms_quota_info", kms_args),
                                         ping, fast_env, reps))
            results["pairs"].append(pair("taurusdb_quota_info / ping",
                                         adhoc("headroom.cloud.taurusdb_quota_info", tdb_args), ping, fast_env, reps))

        if "2" in sections:
            region_pairs(results, base_env, reps, slow)

        if "3" in sections:
            print("== 3. quota_gate: 4 distinct targets vs 1, 200 ms replies (goal <= 1.3) ==")
            four_targets = one_target + [
                dict(service="kms", resource_type="key", kms_instance_id="kst-hzz0002demo", need=1),
                dict(service="taurusdb", resource_type="instance", region="cn-north-4", need=1),
                dict(service="taurusdb", resource_type="instance", region="ap-southeast-1", need=1)]
            results["pairs"].append(pair("gate 4 targets / 1 target", gate_playbook(workdir, four_targets),
                                         gate_playbook(workdir, one_target), slow_env, reps))

        if "4" in sections:
            print("== 4. quota_gate on 20 hosts with forks 20 vs 1 host, 200 ms replies (goal <= 2.5) ==")
            results["pairs"].append(pair("gate 20 hosts / 1 host", gate_playbook(workdir, one_target, hosts=20),
                                         gate_playbook(workdir, one_target, hosts=1), slow_env, reps))

        if "4b" in sections:
            print("== 4b. quota_gate vs ping on the same hosts: 1 host (goal <= 1.45), 20 hosts with forks 20 "
                  "(goal <= 2.2), 0 ms replies ==")
            results["pairs"].append(pair("gate on 1 host / ping on 1 host",
                                         gate_playbook(workdir, fleet_target, hosts=1), ping_hosts(workdir, 1),
                                         fast_env, reps, cpu=True))
            results["pairs"].append(pair("gate on 20 hosts / ping on 20 hosts",
                                         gate_playbook(workdir, fleet_target, hosts=20), ping_hosts(workdir, 20),
                                         fast_env, reps, cpu=True))
            # The same fleet in play scope: one read of the shared target for the whole play.
            results["pairs"].append(pair("gate on 20 hosts, play scope / ping on 20 hosts",
                                         gate_playbook(workdir, fleet_target, hosts=20, scope="play"),
                                         ping_hosts(workdir, 20), fast_env, reps, cpu=True))

        if "4c" in sections:
            print("== 4c. what the gate adds to a deploy: a play of one task with the gate / the same play without it, "
                  "0 ms replies ==")
            for hosts in (1, 20):
                results["pairs"].append(pair(
                    "deploy on %d host%s with the gate / without" % (hosts, "s" if hosts > 1 else ""),
                    gate_playbook(workdir, fleet_target, hosts=hosts, deploy=True),
                    gate_playbook(workdir, fleet_target, hosts=hosts, deploy=True, gated=False), fast_env, reps,
                    cpu=True, added=True))

        if args.large_fleet:
            hosts = args.large_fleet
            ping_fleet = with_forks(ping_hosts(workdir, hosts), 20)
            for scope in ("host", "play"):
                gate = gate_playbook(workdir, fleet_target, hosts=hosts, scope=scope)
                results["pairs"].append(pair("gate on %d hosts, %s scope / ping, forks 20" % (hosts, scope),
                                             with_forks(gate, 20), ping_fleet, fast_env, reps, cpu=True))

        if "5" in sections:
            print("== 5. peak RSS of one module process (goal <= 120 MB) ==")
            module_env = dict(fast_env, PYTHONPATH=str(ROOT / ".cache" / "collections"))
            results["rss_mb"] = {}
            for module, module_args in (("kms_quota_info", kms_args), ("taurusdb_quota_info", tdb_args)):
                results["rss_mb"][module] = module_rss(module, module_args, module_env)
                print("%-58s %7.1f MB" % (module, results["rss_mb"][module]))

        if "6" in sections:
            print("== 6. HTTP requests per target (goal: the minimum) ==")
            counts = {
                "kms, one instance named": requests_per_target(fast, adhoc("headroom.cloud.kms_quota_info", kms_args),
                                                               fast_env),
                "kms, 20 instances listed": requests_per_target(
                    fast, adhoc("headroom.cloud.kms_quota_info", dict(region="cn-beijing",
                                                                      endpoint=fast.url("cn-beijing"))), fast_env),
                "taurusdb, project_id given": requests_per_target(
                    fast, adhoc("headroom.cloud.taurusdb_quota_info", tdb_args), fast_env),
                "taurusdb, project looked up": requests_per_target(
                    fast, adhoc("headroom.cloud.taurusdb_quota_info", dict(region="cn-north-4",
                                                                           endpoint=fast.url("main"))), fast_env),
            }
            results["requests"] = counts
            for label, count in counts.items():
                print("%-58s %s" % (label, ", ".join("%s=%d" % item for item in sorted(count.items()))))
    finally:
        fast.stop()
        slow.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return write_results(args, results)


def region_pairs(results, base_env, reps, one_page=None):
    """Pair 2: a region of 20 instances against a region of 1, 200 ms per reply; the listing in one
    page (``one_page``, an emulator of bench_scenario(200), or a fresh one), then in pages of 10."""
    print("== 2. kms_quota_info: region with 20 instances vs 1, 200 ms replies (goal <= 1.25) ==")
    for label, cap in (("", None), (", listed 10 per page", 10)):
        emu = one_page if one_page is not None and cap is None else start_emulator(bench_scenario(200, cap))
        try:
            env = dict(base_env, **emulator_environment(emu, DEMO))
            many = adhoc("headroom.cloud.kms_quota_info", dict(region="cn-beijing", endpoint=emu.url("cn-beijing")))
            one = adhoc("headroom.cloud.kms_quota_info", dict(region="cn-shanghai", endpoint=emu.url("cn-shanghai")))
            results["pairs"].append(pair("20 instances / 1 instance" + label, many, one, env, reps))
        finally:
            if emu is not one_page:
                emu.stop()


def write_results(args, results):
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print("results written to %s" % args.json.relative_to(ROOT) if args.json.is_relative_to(ROOT) else args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
