// The floor of a user-space UDP balancer on this machine: one thread, recvmmsg/sendmmsg in batches
// of 64, memmem for the Call-ID, a hash of it, forward to one of the sinks. No table, no NAT, no
// replies. Built and run by bench/floor/oneway.sh; CPU read from /proc by the generator.
//
// With -n, the floor of a full-NAT relay: what any user-space balancer that rewrites the client's
// address must add. Each client (address and port) gets its own upstream socket on an ephemeral
// port — the only way a server's replies can find their client — so a batch leaves in one
// sendmmsg per client that sent in it, not one for all; and the relay waits in epoll_wait (where
// replies would also arrive) rather than in a blocking recvmmsg. Still no Call-ID table.
//
//   relay [-n] PORT SINK_PORT...   listens on 127.0.0.1:PORT, forwards to 127.0.0.1:SINK_PORT
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define MAXLEN 65536

#define CLIENTS 4096 // open addressing; the generator uses 64 client sockets

struct client {
  uint32_t addr;
  uint16_t port;
  int fd; // 0: free slot
};
static struct client clients[CLIENTS];

// The client's upstream socket, made on its first datagram (full NAT: a source port per client).
static int upstream(const struct sockaddr_in *from, int buf) {
  uint32_t h = (from->sin_addr.s_addr * 2654435761u) ^ from->sin_port;
  for (uint32_t i = 0; i < CLIENTS; i++) {
    struct client *c = &clients[(h + i) % CLIENTS];
    if (c->fd != 0 && c->addr == from->sin_addr.s_addr && c->port == from->sin_port) {
      return c->fd;
    }
    if (c->fd == 0) {
      int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
      setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
      struct sockaddr_in any = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
      bind(fd, (struct sockaddr *)&any, sizeof any);
      c->addr = from->sin_addr.s_addr;
      c->port = from->sin_port;
      c->fd = fd;
      return fd;
    }
  }
  return -1;
}

int main(int argc, char **argv) {
  int nat = argc > 1 && strcmp(argv[1], "-n") == 0;
  if (nat) {
    argv++;
    argc--;
  }
  if (argc < 3) {
    fprintf(stderr, "usage: relay [-n] PORT SINK_PORT...\n");
    return 2;
  }
  int nsinks = argc - 2;
  struct sockaddr_in sinks[16];
  for (int i = 0; i < nsinks && i < 16; i++) {
    memset(&sinks[i], 0, sizeof sinks[i]);
    sinks[i].sin_family = AF_INET;
    sinks[i].sin_port = htons(atoi(argv[i + 2]));
    sinks[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  int in = socket(AF_INET, SOCK_DGRAM, 0), out = socket(AF_INET, SOCK_DGRAM, 0);
  int buf = 4 << 20;
  setsockopt(in, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  setsockopt(out, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1])),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(in, (struct sockaddr *)&addr, sizeof addr) != 0) {
    perror("bind");
    return 1;
  }
  static char data[BATCH][MAXLEN];
  static struct sockaddr_in from[BATCH];
  static int via[BATCH], done[BATCH];
  struct mmsghdr rx[BATCH], tx[BATCH];
  struct iovec rxv[BATCH], txv[BATCH];
  for (int i = 0; i < BATCH; i++) {
    rxv[i].iov_base = data[i];
    rxv[i].iov_len = MAXLEN;
    memset(&rx[i], 0, sizeof rx[i]);
    rx[i].msg_hdr.msg_iov = &rxv[i];
    rx[i].msg_hdr.msg_iovlen = 1;
  }
  int ep = -1;
  if (nat) {
    ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = in};
    epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev);
  }
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    if (nat) {
      struct epoll_event ev;
      if (epoll_wait(ep, &ev, 1, -1) <= 0) {
        continue;
      }
    }
    for (int i = 0; i < BATCH; i++) {
      rx[i].msg_hdr.msg_name = nat ? &from[i] : NULL;
      rx[i].msg_hdr.msg_namelen = nat ? sizeof from[i] : 0;
    }
    int n = recvmmsg(in, rx, BATCH, nat ? MSG_DONTWAIT : MSG_WAITFORONE, NULL);
    if (n <= 0) {
      continue;
    }
    int m = 0;
    for (int i = 0; i < n; i++) {
      const char *p = data[i];
      size_t len = rx[i].msg_len;
      const char *id = memmem(p, len, "Call-ID: ", 9);
      uint32_t h = 2166136261u;
      if (id != NULL) {
        for (const char *c = id + 9; c < p + len && *c != '\r'; c++) {
          h = (h ^ (uint8_t)*c) * 16777619u;
        }
      }
      txv[m].iov_base = data[i];
      txv[m].iov_len = len;
      memset(&tx[m], 0, sizeof tx[m]);
      tx[m].msg_hdr.msg_iov = &txv[m];
      tx[m].msg_hdr.msg_iovlen = 1;
      tx[m].msg_hdr.msg_name = &sinks[h % nsinks];
      tx[m].msg_hdr.msg_namelen = sizeof sinks[0];
      via[m] = nat ? upstream(&from[i], buf) : out;
      done[m] = 0;
      m++;
    }
    if (!nat) {
      for (int sent = 0; sent < m;) {
        int k = sendmmsg(out, tx + sent, m - sent, 0);
        if (k <= 0) {
          break;
        }
        sent += k;
      }
    } else {
      // one sendmmsg per client socket, its datagrams in arrival order
      static struct mmsghdr group[BATCH];
      for (int i = 0; i < m; i++) {
        if (done[i] || via[i] < 0) {
          continue;
        }
        int g = 0;
        for (int j = i; j < m; j++) {
          if (!done[j] && via[j] == via[i]) {
            group[g++] = tx[j];
            done[j] = 1;
          }
        }
        for (int sent = 0; sent < g;) {
          int k = sendmmsg(via[i], group + sent, g - sent, 0);
          if (k <= 0) {
            break;
          }
          sent += k;
        }
      }
    }
    for (int i = 0; i < n; i++) {
      rx[i].msg_hdr.msg_flags = 0;
    }
  }
}
