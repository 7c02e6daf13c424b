#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""memhp as a kernel patch series, the way a reviewer receives it.

  series.py make     write build/patches/: `git format-patch --cover-letter`
                     of the patches described in patches/review/, against
                     the pristine base
  series.py verify   apply build/patches/ with `git am`, one patch at a
                     time, to a fresh copy of the base; before each patch
                     run checkpatch --strict on it, after each configure
                     (every option of kernel/configs must land in .config,
                     once the tree's Kconfig knows it) and build the
                     kernel (vmlinux and modules: mm/, drivers/base/,
                     drivers/acpi/ and everything else).  KTAP, one case
                     per patch.

patches/review/NN-name.msg describes patch NN: headers, a blank line, the
commit message body.

  Subject: the subject line
  Files:   overlay files the patch brings (shell globs allowed)
  Patches: files of patches/series the patch applies

Every overlay file and every entry of patches/series belongs to exactly one
patch, series entries keep their order, and the tree at the end of the
series must equal the IMPL=ours tree `make check` tests: `make` refuses
otherwise.  00-cover-letter.txt is the cover letter (first line: Subject).
"""
import filecmp
import fnmatch
import glob
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
BUILD = os.environ.get("MEMHP_BUILD", os.path.join(TOP, "build"))
PRISTINE = os.path.join(BUILD, "pristine")
OURS = os.path.join(BUILD, "ours", "src")
REVIEW = os.path.join(TOP, "patches", "review")
OUT = os.path.join(BUILD, "patches")
WORK = os.path.join(BUILD, "patches-work")
VERIFY = os.path.join(BUILD, "verify")

# Who the series is from and who signs it off: git's user.name and
# user.email as this tree sees them.  Without them the series is still
# made, as an unsigned RFC that says it is not for submission, under this
# identity, which no mail system accepts (RFC 2606 reserves .invalid).
UNSIGNED = ("unsigned draft", "unsigned@draft.invalid")


def git_identity():
    """(name, email) from git config, or None."""
    got = []
    for key in ("user.name", "user.email"):
        res = subprocess.run(["git", "-C", TOP, "config", key], text=True,
                             capture_output=True)
        got.append(res.stdout.strip() if res.returncode == 0 else "")
    return tuple(got) if all(got) else None


SIGNER = git_identity()
AUTHOR = SIGNER or UNSIGNED
# Files in the order a reviewer reads them inside one patch.
ORDER = """include/*
mm/memory_hotplug.c
mm/memory_hotplug_zone.c
mm/memory_hotplug_online.c
mm/memory_hotplug_offline.c
*.c
*.h
*Kconfig
*Makefile
Documentation/admin-guide/*
Documentation/core-api/*
Documentation/*
tools/*
kernel/*
MAINTAINERS
"""


def die(msg):
    sys.exit("series.py: error: " + msg)


def run(cmd, cwd=None, env=None, quiet=True, stdin=None):
    """Run cmd; on failure print its output and exit."""
    res = subprocess.run(cmd, cwd=cwd, env=env, text=True, stdin=stdin,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if res.returncode:
        sys.stderr.write(res.stdout[-4000:])
        die("%s failed (exit %d)" % (" ".join(cmd), res.returncode))
    if not quiet:
        sys.stdout.write(res.stdout)
    return res.stdout


def git_env(stamp):
    env = dict(os.environ)
    env.update(GIT_AUTHOR_NAME=AUTHOR[0], GIT_AUTHOR_EMAIL=AUTHOR[1],
               GIT_COMMITTER_NAME=AUTHOR[0], GIT_COMMITTER_EMAIL=AUTHOR[1],
               GIT_AUTHOR_DATE="@%d +0000" % stamp,
               GIT_COMMITTER_DATE="@%d +0000" % stamp)
    return env


def git(repo, *args, env=None):
    return run(["git", "-C", repo, "-c", "core.autocrlf=false"] + list(args),
               env=env)


def series_patches():
    with open(os.path.join(TOP, "patches", "series")) as f:
        return [ln.split("#")[0].strip() for ln in f
                if ln.split("#")[0].strip()]


def patched_files(name):
    with open(os.path.join(TOP, "patches", name)) as f:
        return sorted({m.group(1) for m in
                       re.finditer(r"^\+\+\+ b/(\S+)", f.read(), re.M)})


def read_step(path):
    """One patches/review/NN-name.msg: its headers and body."""
    with open(path) as f:
        head, _, body = f.read().partition("\n\n")
    step = {"name": os.path.basename(path), "Files": [], "Patches": []}
    for line in head.splitlines():
        key, _, val = line.partition(":")
        if key not in ("Subject", "Files", "Patches"):
            die("%s: unknown header '%s'" % (path, line))
        step[key] = val.strip() if key == "Subject" else val.split()
    if not step.get("Subject") or not body.strip():
        die("%s: needs a Subject: header and a body" % path)
    step["body"] = body.strip() + "\n"
    return step


def load_steps(overlay):
    """The review steps, with globs expanded and coverage checked."""
    steps = [read_step(p) for p in
             sorted(glob.glob(os.path.join(REVIEW, "[0-9][0-9]-*.msg")))]
    owner = {}
    for st in steps:
        files = []
        for pat in st["Files"]:
            hit = [f for f in overlay if fnmatch.fnmatchcase(f, pat)]
            if not hit:
                die("%s: '%s' matches no overlay file" % (st["name"], pat))
            files += hit
        st["Files"] = files
        for item in files + st["Patches"]:
            if item in owner:
                die("%s is in both %s and %s" % (item, owner[item],
                                                 st["name"]))
            owner[item] = st["name"]
    series = series_patches()
    missing = [x for x in overlay + series if x not in owner]
    if missing:
        die("in no patch of patches/review/: " + ", ".join(missing))
    used = [p for st in steps for p in st["Patches"]]
    if used != [p for p in series if p in used]:
        die("patches/review/ applies patches/series out of order")
    return steps


def overlay_files():
    out = run([os.path.join(HERE, "tree.sh"), "overlay-files"])
    return out.split()


def base_info():
    info = {}
    with open(os.path.join(TOP, "BASE")) as f:
        for line in f:
            m = re.match(r"^(BASE_\w+)=(.*)$", line.strip())
            if m:
                info[m.group(1)] = m.group(2)
    return info


def copy_file(src_root, dst_root, rel):
    dst = os.path.join(dst_root, rel)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if os.path.lexists(dst):
        os.unlink(dst)
    shutil.copy2(os.path.join(src_root, rel), dst)


def build_work_repo(steps, touched, stamp):
    """A git repo holding the pristine version of every file the series
    touches, then one commit per step.  Blob ids match the full base tree,
    so the patches apply there."""
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    git(WORK, "init", "-q")
    for rel in touched:
        if os.path.exists(os.path.join(PRISTINE, rel)):
            copy_file(PRISTINE, WORK, rel)
    git(WORK, "add", "-A", "-f")
    git(WORK, "commit", "-q", "--allow-empty", "-m", "base",
        env=git_env(stamp))
    for i, st in enumerate(steps, 1):
        for rel in st["Files"]:
            copy_file(TOP, WORK, rel)
        for p in st["Patches"]:
            with open(os.path.join(TOP, "patches", p)) as f:
                run(["patch", "-s", "-p1", "-N", "--no-backup-if-mismatch",
                     "-d", WORK], stdin=f)
        git(WORK, "add", "-A", "-f")
        msg = "%s\n\n%s" % (st["Subject"], st["body"])
        if SIGNER:
            msg += "\nSigned-off-by: %s <%s>\n" % SIGNER
        git(WORK, "commit", "-q", "-m", msg, env=git_env(stamp + 60 * i))


def not_as_tested(root, rels):
    """The files of rels whose content under root differs from the tree
    `make check` tested (build/ours/src)."""
    return [rel for rel in rels
            if not os.path.exists(os.path.join(OURS, rel)) or
            not filecmp.cmp(os.path.join(root, rel), os.path.join(OURS, rel),
                            shallow=False)]


def check_equals_tested_tree(touched):
    """The series must end in exactly the tree `make check` tested."""
    differ = not_as_tested(WORK, touched)
    if differ:
        die("the series does not end in build/ours/src: " + ", ".join(differ))


def write_cover_letter(path):
    with open(os.path.join(REVIEW, "00-cover-letter.txt")) as f:
        subject, _, blurb = f.read().partition("\n\n")
    subject = subject.replace("Subject:", "", 1).strip()
    for key, val in base_info().items():
        blurb = blurb.replace("@%s@" % key, val)
    if not SIGNER:
        blurb = ("NOT FOR SUBMISSION: made without a git identity "
                 "(user.name, user.email), so no patch is signed off.\n\n"
                 + blurb)
    left = re.findall(r"@[A-Z_]+@", blurb)
    if left:
        die("00-cover-letter.txt: unknown placeholders " + " ".join(left))
    with open(path) as f:
        text = f.read()
    if "*** SUBJECT HERE ***" not in text or "*** BLURB HERE ***" not in text:
        die("git format-patch wrote an unexpected cover letter")
    text = text.replace("*** SUBJECT HERE ***", subject)
    text = text.replace("*** BLURB HERE ***", blurb.rstrip("\n"))
    with open(path, "w") as f:
        f.write(text)


def cmd_make():
    run([os.path.join(HERE, "tree.sh"), "impl", "ours"], quiet=False)
    overlay = overlay_files()
    steps = load_steps(overlay)
    touched = sorted(set(overlay) |
                     {f for p in series_patches() for f in patched_files(p)})
    if not SIGNER:
        sys.stderr.write("series.py: warning: git config user.name/user.email "
                         "are not set: the series is an unsigned RFC, not "
                         "for submission\n")
    stamp = int(run(["git", "-C", TOP, "log", "-1", "--format=%ct"]))
    build_work_repo(steps, touched, stamp)
    check_equals_tested_tree(touched)
    shutil.rmtree(OUT, ignore_errors=True)
    order = os.path.join(WORK, ".git", "memhp-orderfile")
    with open(order, "w") as f:
        f.write(ORDER)
    git(WORK, "-c", "user.name=" + AUTHOR[0], "-c", "user.email=" + AUTHOR[1],
        "format-patch", "-q", "--cover-letter", "--no-signature",
        "--subject-prefix=" + ("PATCH" if SIGNER else "RFC PATCH"),
        "-O" + order, "-o", OUT,
        "HEAD~%d" % len(steps), env=git_env(stamp + 60 * (len(steps) + 1)))
    write_cover_letter(glob.glob(os.path.join(OUT, "0000-*.patch"))[0])
    for p in sorted(os.listdir(OUT)):
        print("  PATCH   build/patches/" + p)
    print("  SERIES  %d patches + cover letter, base %s %s" %
          (len(steps), base_info()["BASE_PACKAGE"],
           base_info()["BASE_VERSION"]))


# ---- verify ----------------------------------------------------------------

def allowed_findings():
    """lint-allow.txt: FILE<TAB>MESSAGE SUBSTRING<TAB>why."""
    rules = []
    with open(os.path.join(HERE, "lint-allow.txt")) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3 and not parts[0].startswith("#"):
                rules.append(parts[:3])
    return rules


def checkpatch(src, patch):
    """checkpatch --strict on one patch, in the tree it applies to.
    Returns (problems, accepted): lists of one-line findings."""
    # Debian's python3 first: checkpatch runs scripts/spdxcheck.py, which
    # needs python3-ply and python3-git (make deps installs them).
    env = dict(os.environ, PATH="/usr/bin:" + os.environ.get("PATH", ""))
    try:
        res = subprocess.run(["perl", "scripts/checkpatch.pl", "--strict",
                              "--terse", "--showfile", patch], cwd=src,
                             env=env, text=True, capture_output=True,
                             timeout=600)
    except (OSError, subprocess.SubprocessError) as err:
        return ["checkpatch did not run: %s" % err], []
    problems, accepted, rules = [], [], allowed_findings()
    with open(patch) as f:
        if "\nFrom: %s <%s>\n" % UNSIGNED in f.read():
            rules.append(["commit message", "Missing Signed-off-by",
                          "an unsigned RFC: no git identity when it was made"])
    problems += ["checkpatch said on stderr: " + ln
                 for ln in res.stderr.splitlines()[-3:]]
    # a checkpatch that died is a problem, never a clean result: it exits
    # 0 when clean (in --terse mode silently) or 1 after its "total:" line
    if res.returncode not in (0, 1):
        problems.append("checkpatch exited %d" % res.returncode)
    total, findings = None, 0
    for line in res.stdout.splitlines():
        m = re.match(r"^total: (\d+) errors, (\d+) warnings, (\d+) checks", line)
        if m:
            total = sum(int(n) for n in m.groups())
        m = re.match(r"^(\S*?):\d+: (ERROR|WARNING|CHECK): (.*)$", line)
        if not m:
            continue
        findings += 1
        where = m.group(1)
        if not where or where.endswith(".patch"):
            where, line = "commit message", "commit message: " + \
                m.group(2) + ": " + m.group(3)
        why = next((r[2] for r in rules
                    if r[0] == where and r[1] in m.group(3)), None)
        if why:
            accepted.append("%s (accepted: %s)" % (line, why))
        else:
            problems.append(line)
    silent_clean = res.returncode == 0 and not res.stdout.strip()
    if total is None and not silent_clean:
        problems.append("checkpatch printed no total: line: %s" %
                        res.stdout.strip()[-300:])
    elif total is not None and total != findings:
        problems.append("checkpatch counted %s findings, %d understood: %s" %
                        (total, findings, res.stdout.strip()[-300:]))
    return problems, accepted


def kmake(obj, src, *targets):
    cc = "ccache gcc" if shutil.which("ccache") else "gcc"
    env = dict(os.environ, CCACHE_BASEDIR=BUILD, CCACHE_NOHASHDIR="1",
               CCACHE_SLOPPINESS="time_macros")
    return subprocess.run(
        ["make", "-s", "-C", src, "O=" + obj, "CC=" + cc, "HOSTCC=" + cc,
         "KBUILD_BUILD_USER=memhp", "KBUILD_BUILD_HOST=memhp",
         "-j%d" % int(os.environ.get("JOBS", os.cpu_count()))] +
        list(targets), env=env, text=True, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT)


CONFIG_FRAGMENTS = [os.path.join(TOP, "kernel", "configs", f)
                    for f in ("memhp.config", "memhp-ours.config")]


def requested_options(frags):
    """(CONFIG_X, value) for every `CONFIG_X=v` and `# CONFIG_X is not set`
    line of the fragments, value "n" for the latter."""
    want = []
    for frag in frags:
        with open(frag) as f:
            for line in f:
                line = line.rstrip("\n")
                m = (re.match(r"^(CONFIG_\w+)=(.*)$", line) or
                     re.match(r"^# (CONFIG_\w+) is not set$", line))
                if m:
                    want.append((m.group(1), m.group(2)
                                 if m.lastindex == 2 else "n"))
    return want


def config_misses(frags, dotconfig):
    """The requested options .config does not hold as written, as kbuild.sh
    checks them: (CONFIG_X, wanted, found), found "" when absent.  An option
    .config leaves out or marks "is not set" counts as n."""
    have = {}
    with open(dotconfig) as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(r"^(CONFIG_\w+)=(.*)$", line)
            if m:
                have[m.group(1)] = m.group(2)
                continue
            m = re.match(r"^# (CONFIG_\w+) is not set$", line)
            if m:
                have[m.group(1)] = "n"
    misses = []
    for opt, want in requested_options(frags):
        got = have.get(opt, "n" if want == "n" else "")
        if got != want:
            misses.append((opt, want, got))
    return misses


def kconfig_knows(src, opt):
    """Whether some Kconfig file of the git tree src defines opt."""
    res = subprocess.run(
        ["git", "-C", src, "grep", "-q", "-E",
         r"^[[:space:]]*(menu)?config[[:space:]]+%s[[:space:]]*$" %
         opt[len("CONFIG_"):], "--", "*Kconfig*"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return res.returncode != 1         # an error of git grep: count it known


def configure(src, obj, last):
    """allnoconfig + the memhp fragments, as kbuild.sh does; returns one line
    per requested option that did not land in .config.  merge_config.sh
    drops options a prefix of the series does not know yet (the KUnit
    suites before the patch that adds them): before the last patch, an
    option no Kconfig file defines yet is not a miss; after it, every
    option must hold."""
    run(["scripts/kconfig/merge_config.sh", "-n", "-O", obj] +
        CONFIG_FRAGMENTS, cwd=src)
    return ["%s=%s requested by kernel/configs, .config has '%s'" %
            (opt, want, got or "<absent>")
            for opt, want, got in config_misses(
                CONFIG_FRAGMENTS, os.path.join(obj, ".config"))
            if last or kconfig_knows(src, opt)]


def fresh_base_tree(src, obj):
    shutil.rmtree(VERIFY, ignore_errors=True)
    os.makedirs(obj)
    run(["cp", "-al", PRISTINE, src])
    for stray in glob.glob(os.path.join(src, ".memhp-base")) + \
            glob.glob(os.path.join(src, ".checkpatch-camelcase.*")):
        os.unlink(stray)        # ours, or checkpatch's cache: not the base
    git(src, "init", "-q")
    with open(os.path.join(src, ".git", "info", "exclude"), "a") as f:
        f.write(".checkpatch-camelcase.*\n")
    git(src, "add", "-A", "-f")
    git(src, "commit", "-q", "-m", "base", env=git_env(0))


def verify_one(n, patch, src, obj, last):
    """checkpatch, git am, configure and build one patch (last: the last of
    the series); KTAP lines; True if ok."""
    name = os.path.basename(patch)
    problems, accepted = checkpatch(src, patch)
    am = subprocess.run(["git", "-C", src, "am", "-q", patch], text=True,
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                        env=git_env(0))
    if am.returncode:
        print("not ok %d %s: git am fails" % (n, name))
        print("    # " + am.stdout.strip().replace("\n", "\n    # "))
        subprocess.run(["git", "-C", src, "am", "--abort"])
        return False
    misses = configure(src, obj, last)
    start = time.time()
    res = kmake(obj, src, "vmlinux", "modules")
    took = time.time() - start
    with open(os.path.join(VERIFY, name + ".build.log"), "w") as f:
        f.write(res.stdout)
    errors = [ln for ln in res.stdout.splitlines()
              if re.search(r"error|No rule to make|undefined reference", ln,
                           re.I) and "warning:" not in ln]
    ok = not problems and not misses and not res.returncode
    print("%s %d %s: checkpatch --strict %s, applies, %s, %s (%.0f s)" % (
        "ok" if ok else "not ok", n, name,
        ("%d findings" % len(problems) if problems else
         "clean" if not accepted else
         "clean but for %d accepted" % len(accepted)),
        ("config as requested" if not misses else
         "%d requested options NOT in .config" % len(misses)),
        "builds" if not res.returncode else "does NOT build", took))
    for line in problems + accepted:
        print("    # checkpatch %s" % line)
    for line in misses:
        print("    # config: " + line)
    for line in errors[:20]:
        print("    # build: " + line)
    return ok


def cmd_verify():
    patches = sorted(p for p in glob.glob(os.path.join(OUT, "*.patch"))
                     if not os.path.basename(p).startswith("0000-"))
    if not patches:
        die("no build/patches/: run 'make patches' first")
    run([os.path.join(HERE, "tree.sh"), "impl", "ours"], quiet=False)
    src, obj = os.path.join(VERIFY, "src"), os.path.join(VERIFY, "obj")
    print("  VERIFY  fresh base tree in %s (git, %s)" %
          (os.path.relpath(VERIFY, TOP), base_info()["BASE_VERSION"]))
    fresh_base_tree(src, obj)
    print("KTAP version 1")
    print("1..%d" % (len(patches) + 1))
    passed = failed = 0
    for n, patch in enumerate(patches, 1):
        if verify_one(n, patch, src, obj, n == len(patches)):
            passed += 1
        else:
            failed += 1
    # The whole series, applied, is the tree `make check` tests.
    diff = subprocess.run(["git", "-C", src, "diff", "--stat", "HEAD"],
                          text=True, stdout=subprocess.PIPE).stdout.strip()
    touched = git(src, "diff", "--name-only", "HEAD~%d" % len(patches),
                  "HEAD").split()
    differ = not_as_tested(src, touched)
    ok = not diff and not differ
    print("%s %d the applied series equals the tree make check tests "
          "(%d files)" % ("ok" if ok else "not ok", len(patches) + 1,
                          len(touched)))
    for rel in differ:
        print("    # differs: " + rel)
    passed, failed = passed + ok, failed + (not ok)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def main_make_verify(prog, make, verify):
    """`prog make` runs make(), `prog verify` returns verify()'s status."""
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "make":
        make()
        return 0
    if cmd == "verify":
        return verify()
    sys.exit("%s: error: usage: %s make | verify" % (prog, prog))


if __name__ == "__main__":
    sys.exit(main_make_verify("series.py", cmd_make, cmd_verify))
