// The floor of a user-space UDP balancer on this machine: one thread, recvmmsg/sendmmsg in batches
// of 64, memmem for the Call-ID, a hash of it, forward to one of the sinks. No table, no NAT, no
// replies. Built and run by bench/floor/oneway.sh; CPU read from /proc by the generator.
//
//   relay PORT SINK_PORT...        listens on 127.0.0.1:PORT, forwards to 127.0.0.1:SINK_PORT
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define MAXLEN 65536

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: relay PORT SINK_PORT...\n");
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
  struct mmsghdr rx[BATCH], tx[BATCH];
  struct iovec rxv[BATCH], txv[BATCH];
  for (int i = 0; i < BATCH; i++) {
    rxv[i].iov_base = data[i];
    rxv[i].iov_len = MAXLEN;
    memset(&rx[i], 0, sizeof rx[i]);
    rx[i].msg_hdr.msg_iov = &rxv[i];
    rx[i].msg_hdr.msg_iovlen = 1;
  }
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    int n = recvmmsg(in, rx, BATCH, MSG_WAITFORONE, NULL);
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
      m++;
    }
    for (int sent = 0; sent < m;) {
      int k = sendmmsg(out, tx + sent, m - sent, 0);
      if (k <= 0) {
        break;
      }
      sent += k;
    }
    for (int i = 0; i < n; i++) {
      rx[i].msg_hdr.msg_flags = 0;
    }
  }
}
