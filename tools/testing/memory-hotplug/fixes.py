#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The bugs of the stock kernel that the rewrite fixed, as minimal fixes to
the stock files, each standing alone.

  fixes.py make     write build/fixes/: one `git format-patch` mail per
                    fix, each against the pristine base, signed off by the
                    git identity (series.py's rule: without one, an
                    unsigned RFC)
  fixes.py verify   for each fix: checkpatch --strict and a clean apply to
                    the pristine base (Fixes: ids and subjects checked in
                    $LINUX_GIT, a linux.git clone, when it is set; the base
                    has no history); its reproducer scenario on the
                    stock kernel, which must fail; the same scenario on
                    the stock kernel with only this fix (IMPL=fix, built
                    in build/fix/), which must pass.  KTAP, three cases
                    per fix.

patches/fixes/NN-name.patch is one fix: headers, a blank line, the commit
message (with its Fixes: and Cc: stable tags), then the diff, starting at
its first "--- a/" line.

  Subject:     the subject line
  Reproducer:  the scenario of tools/testing/selftests/memory-hotplug/
               that shows the bug (short name, as for make check T=...)
  Check:       the start of the description of the scenario's case that
               the bug fails: it must fail on stock and pass with the fix
               (any other failure on stock does not count)
               "the guest kernel crashed" names the crash itself (the
               harness's case): with the fix, a clean run answers it
  Runs:        (optional, default 1) for a race: stock runs up to this
               many times and must fail the check in one of them; with
               the fix, the scenario runs this many times and passes
               every one
  Also:        (optional) scenarios that pass on stock and must still
               pass with the fix: the nearest regression guard
  Profile:     (optional) "debug": the bug shows only on the sanitizer
               kernels (make check PROFILE=debug), so both kernels of this
               fix are built with memhp-debug.config, in build/debug/
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import time

import series

HERE = series.HERE
TOP = series.TOP
BUILD = series.BUILD
PRISTINE = series.PRISTINE
FIXES = os.path.join(TOP, "patches", "fixes")
OUT = os.path.join(BUILD, "fixes")
WORK = os.path.join(BUILD, "fixes-work")
PY = sys.executable or "python3"


def die(msg):
    sys.exit("fixes.py: error: " + msg)


def read_fix(path):
    """One patches/fixes/NN-name.patch: headers, message body and diff."""
    with open(path) as f:
        text = f.read()
    head, _, rest = text.partition("\n\n")
    at = rest.find("\n--- a/")
    if at < 0:
        die("%s: no diff (a line starting '--- a/')" % path)
    fix = {"name": os.path.basename(path), "path": path,
           "body": rest[:at].strip() + "\n", "diff": rest[at + 1:]}
    for line in head.splitlines():
        key, _, val = line.partition(":")
        if key not in ("Subject", "Reproducer", "Check", "Runs", "Also",
                       "Profile"):
            die("%s: unknown header '%s'" % (path, line))
        fix[key] = val.strip()
    for key in ("Subject", "Reproducer", "Check"):
        if not fix.get(key):
            die("%s: needs a %s: header" % (path, key))
    if not re.search(r"^Fixes: [0-9a-f]{12} \(\"", fix["body"], re.M) and \
            "no Fixes: tag" not in fix["body"].replace("\n", " "):
        die("%s: needs a Fixes: tag, or to say why there is none "
            "('no Fixes: tag')" % path)
    fix["Also"] = fix.get("Also", "").split()
    if not re.match(r"^[1-9][0-9]*$", fix.get("Runs", "1")):
        die("%s: Runs: wants a count of runs" % path)
    fix["Runs"] = int(fix.get("Runs", "1"))
    if fix.get("Profile", "debug") != "debug":
        die("%s: Profile: the one profile there is, is debug" % path)
    for name in [fix["Reproducer"]] + fix["Also"]:
        scenario = os.path.join(TOP, "tools/testing/selftests/memory-hotplug",
                                "memhp_%s.sh" % name)
        if not os.path.exists(scenario):
            die("%s: no scenario %s" % (path, scenario))
    return fix


def load_fixes():
    fixes = [read_fix(p) for p in
             sorted(glob.glob(os.path.join(FIXES, "[0-9][0-9]-*.patch")))]
    if not fixes:
        die("no fixes in %s" % FIXES)
    return fixes


# the harness's case for a guest whose kernel crashed (memhp_vm.py)
CRASH = "the guest kernel crashed"


def diff_files(diff):
    return sorted(set(re.findall(r"^\+\+\+ b/(\S+)", diff, re.M)))


def cmd_make():
    series.run([os.path.join(HERE, "tree.sh"), "pristine"])
    fixes = load_fixes()
    if not series.SIGNER:
        sys.stderr.write("fixes.py: warning: git config user.name/user.email "
                         "are not set: the fixes are unsigned RFCs, not for "
                         "submission\n")
    stamp = int(series.run(["git", "-C", TOP, "log", "-1", "--format=%ct"]))
    shutil.rmtree(WORK, ignore_errors=True)
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(WORK)
    os.makedirs(OUT)
    git = series.git
    git(WORK, "init", "-q")
    for rel in sorted({f for fx in fixes for f in diff_files(fx["diff"])}):
        series.copy_file(PRISTINE, WORK, rel)
    git(WORK, "add", "-A", "-f")
    git(WORK, "commit", "-q", "-m", "base", env=series.git_env(stamp))
    git(WORK, "tag", "base")
    prefix = "PATCH" if series.SIGNER else "RFC PATCH"
    for i, fx in enumerate(fixes, 1):
        git(WORK, "checkout", "-q", "--detach", "base")
        series.run(["patch", "-s", "-p1", "-F0", "-N",
                    "--no-backup-if-mismatch", "-d", WORK],
                   stdin=open(fx["path"]))
        msg = "%s\n\n%s" % (fx["Subject"], fx["body"])
        if series.SIGNER:
            msg += "Signed-off-by: %s <%s>\n" % series.SIGNER
        else:
            msg = msg.replace("\n\n", "\n\nNOT FOR SUBMISSION: made without "
                              "a git identity, not signed off.\n\n", 1)
        git(WORK, "add", "-A")
        git(WORK, "commit", "-q", "-m", msg,
            env=series.git_env(stamp + 60 * i))
        git(WORK, "-c", "user.name=" + series.AUTHOR[0],
            "-c", "user.email=" + series.AUTHOR[1],
            "format-patch", "-q", "-1", "--no-signature",
            "--start-number=%d" % i, "--subject-prefix=" + prefix,
            "-o", OUT, "HEAD", env=series.git_env(stamp + 60 * i))
    for p in sorted(os.listdir(OUT)):
        print("  FIX     build/fixes/" + p)
    print("  FIXES   %d standalone fixes against %s %s" %
          (len(fixes), series.base_info()["BASE_PACKAGE"],
           series.base_info()["BASE_VERSION"]))


# ---- verify ----------------------------------------------------------------

def scenario_outcome(impl, name, check, env):
    """Run one scenario with memhp_vm.py.  Returns (top, case, log): its
    top-level KTAP line, the line of the case whose description starts
    with check (None when missing), and the whole output."""
    res = subprocess.run([PY, os.path.join(HERE, "memhp_vm.py"), "check",
                          impl, name], env=env, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = res.stdout.splitlines()
    top = [ln for ln in lines
           if re.match(r"^(not )?ok \d+ %s\b" % re.escape(name), ln)]
    cases = [ln.strip() for ln in lines if re.match(r"^\s+(not )?ok \d+ ", ln)]
    at = next((i for i, ln in enumerate(cases)
               if re.match(r"^(not )?ok \d+ %s" % re.escape(check), ln)), None)
    case = None if at is None else cases[at]
    # the cases before it set the bug up: they must have passed
    if case and any(ln.startswith("not ok") for ln in cases[:at]):
        case = "setup failed before it: " + case
    return (top[-1] if top else None), case, res.stdout


def profile_env(fx, env):
    """The environment of a fix's builds and runs: the normal kernels, or
    when the fix says Profile: debug the sanitizer kernels and their time
    limits (MEMHP_PROFILE=debug), built in the debug directory under the
    build directory, as make PROFILE=debug builds them by default."""
    if fx.get("Profile") != "debug":
        return env
    return dict(env, MEMHP_PROFILE="debug",
                MEMHP_BUILD=os.path.join(BUILD, "debug"))


def build(impl, env):
    profile = ["PROFILE=debug"] if env.get("MEMHP_PROFILE") else []
    res = subprocess.run(["make", "-C", TOP, "--no-print-directory",
                          "initrd", "IMPL=" + impl] + profile, env=env, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return res.returncode == 0, res.stdout


def comment(text, lines=15):
    for ln in text.strip().splitlines()[-lines:]:
        print("    # " + ln)


def fixes_tags_checked(body):
    """With LINUX_GIT set: one problem per Fixes: tag whose id is unknown
    there or whose subject differs; None without it."""
    repo = os.environ.get("LINUX_GIT")
    if not repo:
        return None
    problems = []
    for cid, subject in re.findall(r'^Fixes: ([0-9a-f]{12}) \("(.*)"\)$',
                                   body, re.M):
        res = subprocess.run(["git", "-C", repo, "log", "-1", "--format=%s",
                              cid], text=True, capture_output=True)
        if res.returncode:
            problems.append("Fixes: %s is not a commit of %s" % (cid, repo))
        elif res.stdout.strip() != subject:
            problems.append("Fixes: %s is \"%s\" in %s" %
                            (cid, res.stdout.strip(), repo))
    return problems


def verify_fix(n, fx, patch, env):
    """Three KTAP cases for one fix; returns (passed, failed)."""
    passed = failed = 0
    name = fx["Reproducer"]
    env = profile_env(fx, env)
    stock = "stock debug kernel" if env.get("MEMHP_PROFILE") else \
        "stock kernel"

    problems, accepted = series.checkpatch(PRISTINE, patch)
    # the base is a source package: no upstream history to look ids up in,
    # unless LINUX_GIT names a clone of linux.git
    unknown = [p for p in problems if "Unknown commit id" in p]
    problems = [p for p in problems if p not in unknown]
    tag_problems = fixes_tags_checked(fx["body"])
    if tag_problems is None:
        accepted += ["%s (accepted, unverified: the base has no upstream "
                     "git history; set LINUX_GIT to a linux.git clone to "
                     "check it)" % p for p in unknown]
    else:
        problems += tag_problems
    body = fx["body"].replace("\n", " ")
    if "no Fixes: tag" in body and \
            re.search(r"Cc: stable@vger\.kernel\.org # v\d", fx["body"]):
        notag = [p for p in problems if "perhaps it also needs a 'Fixes:'" in p]
        problems = [p for p in problems if p not in notag]
        accepted += ["%s (accepted: the message says why there is no "
                     "Fixes: tag)" % p for p in notag]
    # -F0: a hunk that needs fuzz to apply is not a clean apply
    apply = subprocess.run(["patch", "-p1", "-F0", "--dry-run", "-s", "-d",
                            PRISTINE], stdin=open(patch), text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    ok = not problems and apply.returncode == 0
    print("%s %d %s: applies to the base alone, checkpatch --strict %s" %
          ("ok" if ok else "not ok", n, fx["name"],
           "clean" if not accepted else
           "clean but for %d accepted" % len(accepted)))
    for line in problems + accepted:
        print("    # " + line)
    if apply.returncode:
        comment(apply.stdout)
    passed, failed = passed + ok, failed + (not ok)

    # stock: the case the bug breaks fails; failing another way is no proof
    runs = fx["Runs"]
    built, log = build("upstream", env)
    ok, run = False, 0
    while built and not ok and run < runs:
        run += 1
        top, case, out = scenario_outcome("upstream", name, fx["Check"], env)
        ok = case is not None and case.startswith("not ok")
    if not built:
        top, case, out = None, None, log
    print("%s %d %s: %s fails on the %s without it%s" %
          ("ok" if ok else "not ok", n + 1, fx["name"], name, stock,
           "" if runs == 1 else " (in run %d of at most %d)" % (run, runs)))
    print("    # stock: %s" % (case or "no case '%s'" % fx["Check"]))
    print("    # stock: %s" % (top or "no result"))
    if not ok:
        comment(out)
    passed, failed = passed + ok, failed + (not ok)

    # with the fix: that case and every other one of the scenario pass,
    # in every run
    fix_env = dict(env, MEMHP_FIX=fx["path"])
    built, log = build("fix", fix_env)
    notes, ok = [], built
    for run in range(1, runs + 1 if built else 1):
        top, case, out = scenario_outcome("fix", name, fx["Check"], fix_env)
        good = top is not None and top.startswith("ok") and "#" not in top
        if fx["Check"] == CRASH:
            good = good and case is None
        else:
            good = good and case is not None and case.startswith("ok")
        at = "" if runs == 1 else " (run %d of %d)" % (run, runs)
        notes += ["with the fix%s: %s" % (at, case or "no case '%s'" %
                                          fx["Check"]),
                  "with the fix%s: %s" % (at, top or "no result")]
        if not good:
            notes += out.strip().splitlines()[-40:]
            ok = False
            break
    if not built:
        notes += ["with the fix: not built"] + log.strip().splitlines()[-40:]
    for also in fx["Also"] if built else []:
        top, _, out = scenario_outcome("fix", also, "", fix_env)
        good = top is not None and top.startswith("ok") and "#" not in top
        notes.append("with the fix, %s: %s" % (also, top or "no result"))
        if not good:
            notes += out.strip().splitlines()[-20:]
        ok = ok and good
    print("%s %d %s: %s%s passes on the %s with it%s" %
          ("ok" if ok else "not ok", n + 2, fx["name"], name,
           "".join(", " + a for a in fx["Also"]), stock,
           "" if runs == 1 else " (%d runs)" % runs))
    for ln in notes:
        print("    # " + ln)
    passed, failed = passed + ok, failed + (not ok)
    return passed, failed


def cmd_verify():
    if os.environ.get("MEMHP_PROFILE"):
        die("each fix names its kernels (Profile: debug, or the normal "
            "ones): drop PROFILE=debug")
    cmd_make()          # never judge mails older than their sources
    fixes = load_fixes()
    patches = sorted(glob.glob(os.path.join(OUT, "[0-9][0-9][0-9][0-9]-*.patch")))
    if len(patches) != len(fixes):
        die("build/fixes/ holds %d patches for %d fixes: run make fixes" %
            (len(patches), len(fixes)))
    env = dict(os.environ)
    # FIX="08 09" (MEMHP_FIXES): only the fixes of those numbers
    only = os.environ.get("MEMHP_FIXES", "").split()
    if only:
        unknown = set(only) - {fx["name"][:2] for fx in fixes}
        if unknown:
            die("FIX=: no fix %s among %s" %
                (" ".join(sorted(unknown)),
                 " ".join(fx["name"][:2] for fx in fixes)))
        pairs = [(fx, p) for fx, p in zip(fixes, patches)
                 if fx["name"][:2] in only]
        fixes, patches = [fx for fx, _ in pairs], [p for _, p in pairs]
    print("KTAP version 1")
    print("1..%d" % (3 * len(fixes)))
    passed = failed = 0
    start = time.time()
    for i, (fx, patch) in enumerate(zip(fixes, patches)):
        p, f = verify_fix(3 * i + 1, fx, patch, env)
        passed, failed = passed + p, failed + f
    print("# %d fixes in %.0f s" % (len(fixes), time.time() - start))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(series.main_make_verify("fixes.py", cmd_make, cmd_verify))
