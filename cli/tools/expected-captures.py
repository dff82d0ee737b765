#!/usr/bin/env python3
"""Writes cli/src/test/resources/captures/NAME.expected for each capture of a directory.

Each file holds what `pe4j extract --engine sip --pcap NAME` prints, frame by frame, then its
summary line; above them, comment lines compare it with a second opinion, Wireshark's SIP
dissector (tshark -e sip.Call-ID), and say why the spec decides where the two differ.

  python3 cli/tools/expected-captures.py ../shared/testdata/sip-pcaps

Needs tshark and a built cli/target/pe4j.jar. The build does not run this script; it compares
pe4j's output with the committed files (CaptureCorpusTest).
"""
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
JAR = os.path.join(HERE, '..', 'target', 'pe4j.jar')
OUT = os.path.join(HERE, '..', 'src', 'test', 'resources', 'captures')


def pe4j(path):
    p = subprocess.run(['java', '-jar', JAR, 'extract', '--engine', 'sip', '--pcap', path],
                       capture_output=True)
    lines = {}
    for line in p.stdout.decode('latin-1').splitlines():
        key, value = line.split('\t', 1)
        lines[int(key.rsplit('#', 1)[1])] = value
    summary = p.stderr.decode('latin-1').strip().split(': ', 1)[1]
    return p.returncode, lines, summary


def tshark(path):
    p = subprocess.run(['tshark', '-r', path, '-T', 'fields', '-E', 'separator=/t',
                        '-e', 'frame.number', '-e', 'frame.protocols', '-e', 'sip.Call-ID'],
                       capture_output=True)
    out = {}
    for line in p.stdout.decode('latin-1').splitlines():
        f = (line.split('\t') + ['', ''])[:3]
        out[int(f[0])] = (f[1], f[2])
    return out


def why(protocols, theirs, ours):
    layers = protocols.split(':')
    if ours is None:
        if 'tcp' in layers:
            return 'SIP over TCP: not a UDP datagram, never seen by a UDP virtual service'
        for tunnel in ('gre', 'erspan', 'gtp', 'ip:ip'):
            if tunnel in protocols:
                return 'SIP inside a tunnel: the balancer sees the outer packet, not opened'
        return ('malformed: an IP or UDP length beyond the packet; the kernel drops it before IPVS '
                'would see it')
    if theirs and ours.startswith('NONE'):
        if 'gtp' in layers:
            return 'SIP inside GTP-U: the balancer sees the outer UDP datagram (GTP), not SIP'
        return 'rule ' + {'truncated Call-ID': '8: the datagram ends inside the Call-ID field',
                          'not SIP': '2, 3: the start line (up to LF; a lone CR is data) does '
                                      'not end in SIP/2.0'}.get(
            ours.split('\t', 1)[1], 'of spec: ' + ours)
    if not theirs:
        return ('tshark does not take the datagram as SIP (bytes in the start line, or another '
                'protocol by port); rule 3 accepts any token as a method')
    if '\\x' in ours:
        return ('the value holds bytes that are not UTF-8 or are control characters: tshark prints '
                'replacement characters, pe4j the raw bytes (escaped here); rule 7 returns them as '
                'they are')
    return 'tshark=' + repr(theirs)


def main(directory):
    os.makedirs(OUT, exist_ok=True)
    for path in sorted(glob.glob(os.path.join(directory, '*.pcap'))):
        name = os.path.basename(path)
        code, ours, summary = pe4j(path)
        theirs = tshark(path)
        agree = 0
        differ = {}
        for frame, (protocols, call_id) in sorted(theirs.items()):
            o = ours.get(frame)
            if call_id and o == call_id:
                agree += 1
            elif call_id or (o is not None and not o.startswith('NONE')):
                differ.setdefault(why(protocols, call_id, o), []).append(frame)
        with open(os.path.join(OUT, name + '.expected'), 'w', encoding='latin-1') as f:
            f.write('# pe4j extract --engine sip --pcap %s (exit %d): frame, then the Call-ID or\n'
                    '# NONE and the reason; the last line is the summary printed on stderr.\n'
                    % (name, code))
            f.write('# Second opinion, tshark -e sip.Call-ID: the same Call-ID in %d frames' % agree)
            f.write(', and nowhere else.\n' if not differ else '; elsewhere the spec decides:\n')
            for reason, frames in differ.items():
                listed = ' '.join(str(x) for x in frames[:12]) + (' ...' if len(frames) > 12 else '')
                f.write('#   %d frames (%s): %s\n' % (len(frames), listed, reason))
            for frame in sorted(ours):
                f.write('%d\t%s\n' % (frame, ours[frame]))
            f.write('summary\t%s\n' % summary)
        print(name, 'agree', agree, 'differ', sum(len(v) for v in differ.values()))


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', '..', '..', 'shared',
                                                             'testdata', 'sip-pcaps'))
