// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: memory notifier event log (selftest module)
 *
 * The notifier error-injection module can refuse MEM_GOING_ONLINE and
 * MEM_GOING_OFFLINE, but not MEM_PREPARE_ONLINE, and it does not show which
 * events a subscriber receives, in which order, for which range.  This
 * module registers two memory notifiers: one at the highest priority that
 * hears every event before any other subscriber can stop the chain, and
 * keeps a log of them; one at the lowest that refuses the event it is told
 * to, after every other subscriber has had it (so none of them misses an
 * event, whichever one is refused).  Both work through debugfs,
 * memory_notify_log/:
 *
 *   log   one line per event, oldest first:
 *           NAME start_pfn nr_pages
 *         and for MEM_PREPARE_ONLINE and MEM_FINISH_OFFLINE, whose argument
 *         also names the memmap pages of the block:
 *           NAME start_pfn nr_pages altmap_start_pfn altmap_nr_pages
 *         (numbers in hex with 0x, names without MEM_).  A write of
 *         anything empties it.  Past LOG_MAX lines it keeps the oldest and
 *         ends with "overflow".
 *   fail  "NAME ERRNO" (ERRNO negative) makes the last notifier refuse
 *         event NAME with ERRNO until "none" is written; reads back the
 *         setting.
 *
 * The log is taken under log_lock; the callbacks of the memory chain may
 * sleep, so a mutex will do.
 */
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/memory.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#define LOG_MAX 512

struct event_entry {
	unsigned long action;
	struct memory_notify arg;
};

static const char *const event_names[] = {
	[MEM_ONLINE] = "ONLINE",
	[MEM_GOING_OFFLINE] = "GOING_OFFLINE",
	[MEM_OFFLINE] = "OFFLINE",
	[MEM_GOING_ONLINE] = "GOING_ONLINE",
	[MEM_CANCEL_ONLINE] = "CANCEL_ONLINE",
	[MEM_CANCEL_OFFLINE] = "CANCEL_OFFLINE",
	[MEM_PREPARE_ONLINE] = "PREPARE_ONLINE",
	[MEM_FINISH_OFFLINE] = "FINISH_OFFLINE",
};

/* log_lock protects the log, its length, its overflow flag and the setting */
static DEFINE_MUTEX(log_lock);
static struct event_entry log_entries[LOG_MAX];
static unsigned int log_len;
static bool log_overflow;
static long fail_action = -1;	/* the event to refuse; -1: none */
static int fail_errno;

static struct dentry *debug_dir;

static const char *event_name(unsigned long action)
{
	if (action < ARRAY_SIZE(event_names) && event_names[action])
		return event_names[action];
	return "UNKNOWN";
}

static bool names_memmap(unsigned long action)
{
	return action == MEM_PREPARE_ONLINE || action == MEM_FINISH_OFFLINE;
}

static int log_event(struct notifier_block *nb, unsigned long action,
		     void *data)
{
	const struct memory_notify *arg = data;

	guard(mutex)(&log_lock);
	if (log_len < LOG_MAX) {
		log_entries[log_len].action = action;
		log_entries[log_len].arg = *arg;
		log_len++;
	} else {
		log_overflow = true;
	}
	return NOTIFY_OK;
}

static int refuse_event(struct notifier_block *nb, unsigned long action,
			void *data)
{
	guard(mutex)(&log_lock);
	if (fail_action >= 0 && action == (unsigned long)fail_action)
		return notifier_from_errno(fail_errno);
	return NOTIFY_OK;
}

static struct notifier_block log_nb = {
	.notifier_call = log_event,
	.priority = INT_MAX,
};

static struct notifier_block refuse_nb = {
	.notifier_call = refuse_event,
	.priority = INT_MIN,
};

static int log_show(struct seq_file *m, void *v)
{
	const struct event_entry *e;
	unsigned int i;

	guard(mutex)(&log_lock);
	for (i = 0; i < log_len; i++) {
		e = &log_entries[i];
		seq_printf(m, "%s %#lx %#lx", event_name(e->action),
			   e->arg.start_pfn, e->arg.nr_pages);
		if (names_memmap(e->action))
			seq_printf(m, " %#lx %#lx", e->arg.altmap_start_pfn,
				   e->arg.altmap_nr_pages);
		seq_putc(m, '\n');
	}
	if (log_overflow)
		seq_puts(m, "overflow\n");
	return 0;
}

static int log_open(struct inode *inode, struct file *file)
{
	return single_open(file, log_show, NULL);
}

static ssize_t log_write(struct file *file, const char __user *buf,
			 size_t count, loff_t *ppos)
{
	guard(mutex)(&log_lock);
	log_len = 0;
	log_overflow = false;
	return count;
}

static const struct file_operations log_fops = {
	.owner = THIS_MODULE,
	.open = log_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = log_write,
	.release = single_release,
};

static int fail_show(struct seq_file *m, void *v)
{
	guard(mutex)(&log_lock);
	if (fail_action < 0)
		seq_puts(m, "none\n");
	else
		seq_printf(m, "%s %d\n", event_name(fail_action), fail_errno);
	return 0;
}

static int fail_open(struct inode *inode, struct file *file)
{
	return single_open(file, fail_show, NULL);
}

/* "NAME ERRNO" or "none": the event to refuse, with which error */
static int parse_fail(char *text, long *action, int *err)
{
	char *name = strim(text), *num;
	unsigned long i;

	if (!strcmp(name, "none")) {
		*action = -1;
		*err = 0;
		return 0;
	}
	num = strchr(name, ' ');
	if (!num)
		return -EINVAL;
	*num++ = '\0';
	if (kstrtoint(strim(num), 10, err) || *err >= 0 || *err < -MAX_ERRNO)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(event_names); i++) {
		if (event_names[i] && !strcmp(name, event_names[i])) {
			*action = i;
			return 0;
		}
	}
	return -EINVAL;
}

static ssize_t fail_write(struct file *file, const char __user *buf,
			  size_t count, loff_t *ppos)
{
	char text[32];
	long action;
	int err, ret;

	if (count >= sizeof(text))
		return -EINVAL;
	if (copy_from_user(text, buf, count))
		return -EFAULT;
	text[count] = '\0';
	ret = parse_fail(text, &action, &err);
	if (ret)
		return ret;
	guard(mutex)(&log_lock);
	fail_action = action;
	fail_errno = err;
	return count;
}

static const struct file_operations fail_fops = {
	.owner = THIS_MODULE,
	.open = fail_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = fail_write,
	.release = single_release,
};

static int __init memory_notify_log_init(void)
{
	int ret;

	debug_dir = debugfs_create_dir("memory_notify_log", NULL);
	debugfs_create_file("log", 0600, debug_dir, NULL, &log_fops);
	debugfs_create_file("fail", 0600, debug_dir, NULL, &fail_fops);
	ret = register_memory_notifier(&log_nb);
	if (ret)
		goto err_debugfs;
	ret = register_memory_notifier(&refuse_nb);
	if (ret)
		goto err_log_nb;
	return 0;

err_log_nb:
	unregister_memory_notifier(&log_nb);
err_debugfs:
	debugfs_remove_recursive(debug_dir);
	return ret;
}

static void __exit memory_notify_log_exit(void)
{
	unregister_memory_notifier(&refuse_nb);
	unregister_memory_notifier(&log_nb);
	debugfs_remove_recursive(debug_dir);
}

module_init(memory_notify_log_init);
module_exit(memory_notify_log_exit);
MODULE_DESCRIPTION("Memory notifier event log for the memory hotplug selftests");
MODULE_LICENSE("GPL");
