// SPDX-License-Identifier: MIT
/*
 * Live interfaces: the public calls of include/ubee/pktio.h, dispatched
 * to the backend an interface was opened with (iface.h). AUTO tries
 * AF_XDP and falls back to AF_PACKET, keeping the reason in a note.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "pktio/iface.h"
#include "util/util.h"
#include "vm/vm.h"

static struct ubee_iface *iface_alloc(void)
{
	return ubee_calloc(1, sizeof(struct ubee_iface));
}

int ubee_iface_open(const char *name, const struct ubee_iface_opts *opts,
		    struct ubee_iface **out, struct ubee_log *log)
{
	struct ubee_iface_opts o;
	struct ubee_iface *iface;
	char xbuf[512];
	struct ubee_log xlog;
	int err;

	*out = NULL;
	err = ubee_vm_copy_opts(&o, sizeof(o), opts, log);
	if (err)
		return err;
	if (!name || !*name || strlen(name) >= IF_NAMESIZE) {
		ubee_logf(log, "interface name '%s' is not valid", name ? name : "");
		return -EINVAL;
	}
	iface = iface_alloc();
	if (!iface) {
		ubee_logf(log, "out of memory");
		return -ENOMEM;
	}
	strcpy(iface->name, name);
	iface->info.ifindex = if_nametoindex(name);
	if (!iface->info.ifindex) {
		ubee_logf(log, "%s: no such interface", name);
		err = -ENODEV;
		goto fail;
	}
	switch (o.mode) {
	case UBEE_IFACE_XDP:
		err = ubee_afxdp_open(iface, &o, log);
		break;
	case UBEE_IFACE_PACKET:
		err = ubee_afpacket_open(iface, 1, log);
		break;
	case UBEE_IFACE_AUTO:
		ubee_log_init(&xlog, xbuf, sizeof(xbuf));
		err = ubee_afxdp_open(iface, &o, &xlog);
		if (!err)
			break;
		while (xlog.len && xbuf[xlog.len - 1] == '\n')
			xbuf[--xlog.len] = 0;
		snprintf(iface->note, sizeof(iface->note),
			 "AF_XDP not available (%s): using AF_PACKET", xbuf);
		err = ubee_afpacket_open(iface, 1, log);
		break;
	default:
		ubee_logf(log, "unknown interface mode %d", (int)o.mode);
		err = -EINVAL;
	}
	if (err)
		goto fail;
	iface->info.note = iface->note[0] ? iface->note : NULL;
	*out = iface;
	return 0;
fail:
	ubee_free(iface);
	return err;
}

int ubee_iface_open_tx(uint32_t ifindex, struct ubee_iface **out,
		       struct ubee_log *log)
{
	struct ubee_iface *iface;
	int err;

	*out = NULL;
	iface = iface_alloc();
	if (!iface) {
		ubee_logf(log, "out of memory");
		return -ENOMEM;
	}
	iface->info.ifindex = ifindex;
	if (!if_indextoname(ifindex, iface->name)) {
		ubee_logf(log, "redirect to ifindex %u: no such interface", ifindex);
		ubee_free(iface);
		return -ENODEV;
	}
	err = ubee_afpacket_open(iface, 0, log);
	if (err) {
		ubee_free(iface);
		return err;
	}
	*out = iface;
	return 0;
}

void ubee_iface_close(struct ubee_iface *iface, struct ubee_iface_info *info)
{
	if (!iface)
		return;
	iface->ops->close(iface);
	if (info) {
		*info = iface->info;
		/* The note lives in iface: it goes with it. */
		info->note = NULL;
	}
	ubee_free(iface);
}

int ubee_iface_recv(struct ubee_iface *iface, struct ubee_packet *pkts,
		    unsigned max, int timeout_ms)
{
	return iface->ops->recv(iface, pkts, max, timeout_ms);
}

void ubee_iface_release(struct ubee_iface *iface)
{
	iface->ops->release(iface);
}

int ubee_iface_send(struct ubee_iface *iface, const void *data, size_t len)
{
	return iface->ops->send(iface, data, len);
}

void ubee_iface_flush(struct ubee_iface *iface)
{
	iface->ops->flush(iface);
}

void ubee_iface_get_info(const struct ubee_iface *iface,
			 struct ubee_iface_info *info)
{
	iface->ops->stats((struct ubee_iface *)iface);
	*info = iface->info;
}
