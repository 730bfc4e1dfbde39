#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/controlplane/*/*_fuzz_corpus/).

Seeds are real protocol bytes: the MS-SSTP 4.7 example packets, the peer traces of
reference/test-vectors.md 6, every control message, HTTP requests and responses of the real
clients and servers in reference/interop.md, and PPP negotiations of pppd, Windows, SoftEther
and MikroTik. Deterministic: running it again rewrites the same files. Fuzzers add their own
findings to these directories when run with them as corpus (see docs/fuzzing.md)."""
import hashlib, os, struct, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "controlplane")

def h(s): return bytes.fromhex(s.replace(" ", ""))

def write(target_dir, items):
    d = os.path.join(ROOT, target_dir)
    os.makedirs(d, exist_ok=True)
    for name, data in items:
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)

def ctrl(mtype, attrs):
    body = b"".join(attrs)
    return struct.pack(">BBHHH", 0x10, 1, 8 + len(body), mtype, len(attrs)) + body

def attr(aid, value):
    return struct.pack(">BBH", 0, aid, 4 + len(value)) + value

def status(aid, st, val=b""):
    return attr(2, b"\0\0\0" + bytes([aid]) + struct.pack(">I", st) + val)

def data_pkt(ppp):
    return struct.pack(">BBH", 0x10, 0, 4 + len(ppp)) + ppp

nonce = bytes(range(32))
sstp_msgs = {
    "connect_request": h("1001000E 00010001 00010006 0001"),
    "connect_ack_sha256": h("10010030000200010004002800000002412B489AEBD7ECC7D08966F26BE7CD72B231A0E9210D7C91B308862B0344C435"),
    "connect_ack_sha1": ctrl(2, [attr(4, b"\0\0\0\x01" + nonce)]),
    "connect_nak": ctrl(3, [status(1, 4, b"\0\2")]),
    "call_connected": h("10010070000400010003006800000002412B489AEBD7ECC7D08966F26BE7CD72B231A0E9210D7C91B308862B0344C4357993EF314C493DACE9F02D60E7E61C84B6690AAFE9D7AEEA92CBBE8AD599422D52A68EFD8CFFBF52770B8F0FE8EC73716583AF6D611EB6D179B3B20840985449"),
    "abort": ctrl(5, [status(3, 4)]),
    "abort_bare": ctrl(5, []),
    "disconnect": ctrl(6, [status(0, 0)]),
    "disconnect_bare": ctrl(6, []),
    "disconnect_ack": ctrl(7, []),
    "echo_request": ctrl(8, []),
    "echo_response": ctrl(9, []),
    "bad_count": h("1001000E 00010002 00010006 0001"),
    "attr_overrun": h("1001000E 00010001 00010010 0001"),
    "dup_protocol": h("10010014 00010002 00010006 0001 00010006 0001"),
    "unknown_type": h("10010008 000A0000"),
}
write("sstp/sstp_codec_fuzz_corpus", [(k, v) for k, v in sstp_msgs.items()])

lcp_pppd = h("FF03C02101010018010405780206000000000506376724C207020802")
ipcp_mt = h("FF038021010100 0A 0306AC17180E".replace(" ", ""))
stream = b"".join([sstp_msgs["connect_request"], data_pkt(lcp_pppd), data_pkt(ipcp_mt),
                   sstp_msgs["call_connected"], data_pkt(b""), sstp_msgs["echo_request"],
                   data_pkt(h("FF030021") + bytes(100))])
write("sstp/sstp_framer_fuzz_corpus", [
    ("stream_chunk1", b"\x00" + stream), ("stream_chunk7", b"\x06" + stream),
    ("stream_chunk64", b"\x3f" + stream), ("bad_version_tail", b"\x02" + stream[:30] + b"\x20\x00"),
    ("short_length", b"\x01" + h("10000002")), ("split_header", b"\x00" + stream[:2]),
])

uri = b"/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/"
reqs = {
    "ksstpc": b"SSTP_DUPLEX_POST " + uri + b" HTTP/1.1\r\nHost: vpn.example.net\r\nContent-Length: 18446744073709551615\r\nSSTPCORRELATIONID: {6E3CE0E8-53F5-4C3F-9A1D-2F2B7D0A1C55}\r\n\r\n",
    "sstpc": b"SSTP_DUPLEX_POST " + uri + b" HTTP/1.1\r\nHost: 198.18.0.1\r\nContent-Length: 18446744073709551615\r\nSSTPCORRELATIONID: {1A2B-3C-4D-5E6F}\r\n\r\n",
    "osc": b"SSTP_DUPLEX_POST " + uri + b" HTTP/1.1\r\nContent-Length: 18446744073709551615\r\nHost: h\r\nSSTPCORRELATIONID: {x}\r\n\r\n",
    "bare_lf": b"SSTP_DUPLEX_POST " + uri + b" HTTP/1.1\nHost: h\n\n",
    "tenant": b"SSTP_DUPLEX_POST " + uri + b"?tenantid=contoso HTTP/1.1\r\n\r\n\x10\x01\x00\x0e",
    "get": b"GET / HTTP/1.1\r\nHost: vpn\r\n\r\n",
    "garbage": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
}
resps = {
    "ksstpd": b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\nServer: Microsoft-HTTPAPI/2.0\r\nDate: Thu, 09 Nov 2006 00:51:09 GMT\r\n\r\n",
    "accel": b"HTTP/1.1 200 OK\r\nDate: x\r\nContent-Length: 18446744073709551615\r\nConnection: keep-alive\r\n\r\n",
    "error": b"HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n",
}
write("sstp/http_handshake_fuzz_corpus",
      [("req_" + k, b"\x00" + v) for k, v in reqs.items()] + [("req1_" + k, b"\x0a" + v) for k, v in reqs.items()] +
      [("resp_" + k, b"\x01" + v) for k, v in resps.items()] + [("resp3_" + k, b"\x07" + v) for k, v in resps.items()])

def cp(proto, code, ident, data):
    return struct.pack(">BBHBBH", 0xFF, 3, proto, code, ident, 4 + len(data)) + data
def opt(t, v): return bytes([t, 2 + len(v)]) + v

LCP, PAP, CHAP, IPCP, IPV6CP = 0xC021, 0xC023, 0xC223, 0x8021, 0x8057
frames = {
    "lcp_pppd": lcp_pppd,
    "lcp_windows": cp(LCP, 1, 0, opt(1, b"\x06\x4e") + opt(5, b"\x11\x22\x33\x44") + opt(7, b"") + opt(8, b"") + opt(13, b"\x06")),
    "lcp_softether_eap": cp(LCP, 1, 1, opt(3, b"\xc2\x27")),
    "lcp_auth_mschap2": cp(LCP, 1, 2, opt(1, b"\x05\xdc") + opt(3, b"\xc2\x23\x81") + opt(5, b"\x01\x02\x03\x04")),
    "lcp_mrru": cp(LCP, 1, 3, opt(17, b"\x06\x40") + opt(19, b"\x00")),
    "lcp_ack": cp(LCP, 2, 2, opt(1, b"\x05\xdc")),
    "lcp_nak": cp(LCP, 3, 2, opt(3, b"\xc0\x23")),
    "lcp_rej": cp(LCP, 4, 2, opt(5, b"\x01\x02\x03\x04")),
    "lcp_termreq": cp(LCP, 5, 9, b""),
    "lcp_echo_se": cp(LCP, 9, 0, b"\0\0\0\0Aho Baka Manuke"),
    "lcp_protrej_ccp": cp(LCP, 8, 4, b"\x80\xfd\x01\x01\x00\x04"),
    "lcp_ident": cp(LCP, 12, 5, b"\0\0\0\0MSRASV5.20"),
    "pap_req": cp(PAP, 1, 1, b"\x05alice\x08Secret-1"),
    "pap_ack_mikrotik": cp(PAP, 2, 1, b"") + b"\x08Login ok",
    "chap_challenge": cp(CHAP, 1, 7, b"\x10" + bytes(range(16)) + b"ksstp"),
    "chap_response_v2": cp(CHAP, 2, 7, b"\x31" + bytes(49) + b"alice"),
    "chap_success_v2": cp(CHAP, 3, 7, b"S=407A5589115FD0D6209F510FE9C04566932CDA56 M=Access granted"),
    "chap_failure_v2": cp(CHAP, 4, 7, b"E=691 R=1 C=00112233445566778899AABBCCDDEEFF V=3 M=bad"),
    "ipcp_mt": ipcp_mt,
    "ipcp_client": cp(IPCP, 1, 1, opt(3, bytes(4)) + opt(0x81, bytes(4)) + opt(0x83, bytes(4)) + opt(2, b"\x00\x2d\x0f\x01")),
    "ipv6cp_mt": h("FF038057 01 01 000E 010AF1010343CFEA4FFE"),
    "ccp": cp(0x80FD, 1, 1, opt(0x12, b"\0\0\0\1")),
    "ipv4": h("FF030021") + h("4500001c00000000400100007f0000017f000001"),
    "compressed_proto": h("21") + bytes(20),
    "no_ff03": h("C021 01 01 0008 01040578".replace(" ", "")),
}
write("ppp/ppp_packet_fuzz_corpus", list(frames.items()))

def session_input(flags, seq):
    out = bytes([flags])
    for f in seq:
        out += struct.pack(">H", len(f)) + f if f is not None else b"\0\0"
    return out
# A peer conversation the session will mostly accept (authenticator role: flags bit0 = 1).
client_side = [frames["lcp_pppd"], frames["lcp_ack"], None, cp(LCP, 1, 2, opt(5, b"\x11\x22\x33\x44")),
               frames["pap_req"], frames["chap_response_v2"], frames["ipcp_client"], frames["ipv6cp_mt"], None,
               frames["ccp"], frames["lcp_echo_se"], frames["ipv4"], frames["lcp_termreq"], None, None]
server_side = [frames["lcp_auth_mschap2"], frames["lcp_ack"], frames["chap_challenge"], frames["chap_success_v2"],
               frames["ipcp_mt"], frames["ipv6cp_mt"], None, frames["chap_failure_v2"], frames["lcp_softether_eap"],
               frames["pap_ack_mikrotik"], None]
write("ppp/ppp_session_fuzz_corpus", [
    ("server_v6_mrru", session_input(0x07, client_side)), ("server_v4", session_input(0x01, client_side)),
    ("client_v6", session_input(0x02, server_side)), ("client_v4_mrru", session_input(0x04, server_side)),
    ("timers_only", session_input(0x01, [None] * 12)),
])
def mp_records(recs):
    """multilink_fuzz input: (advance-ms, flags, seq, piece) records."""
    out = b""
    for adv, flags, seq, piece in recs:
        info = bytes([flags]) + struct.pack(">I", seq)[1:] + piece
        out += bytes([adv, len(info)]) + info
    return out
ip1 = b"\x00\x21" + b"\x45" + bytes(range(200))
write("ppp/multilink_fuzz_corpus", [
    ("in_order", mp_records([(0, 0x80, 0, ip1[:100]), (1, 0x00, 1, ip1[100:150]), (1, 0x40, 2, ip1[150:])])),
    ("reordered", mp_records([(0, 0x40, 7, ip1[150:]), (0, 0x80, 5, ip1[:100]), (0, 0x00, 6, ip1[100:150])])),
    ("lost_then_timeout", mp_records([(0, 0x80, 0, ip1[:100]), (0, 0x40, 2, ip1[150:]), (250, 0xC0, 3, ip1), (250, 0, 9, b""),
                                      (250, 0, 9, b""), (250, 0xC0, 4, ip1)])),
    ("wrap", mp_records([(0, 0x80, 0xFFFFFF, ip1[:100]), (0, 0x40, 0, ip1[100:])])),
    ("short", bytes([0, 2, 0x80, 0])),
])
def session_records(role_bit, recs):
    """session_fuzz input: role byte, then (kind, bytes) records; kind 0 = timer, 1 = closed, 2 = data."""
    out = bytes([role_bit])
    for kind, b in recs:
        out += bytes([kind]) + struct.pack(">H", len(b)) + b
    return out
def ppp_in_sstp(f):
    return data_pkt(b"\xff\x03" + f if not f.startswith(b"\xff\x03") else f)
connect_req = h("1001000E 00010001 00010006 0001")
server_stream = [(2, reqs["ksstpc"]), (2, connect_req)] + [(2, ppp_in_sstp(f)) if f is not None else (0, b"")
                                                         for f in client_side] + [(0, b""), (1, b"")]
client_stream = [(2, b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n"),
                 (2, sstp_msgs["connect_ack_sha256"])] + [(2, ppp_in_sstp(f)) if f is not None else (0, b"")
                                                          for f in server_side] + [(0, b"")] * 4
write("session/session_fuzz_corpus", [
    ("server_full", session_records(0x01, server_stream)),
    ("server_mrru", session_records(0x03, server_stream)),
    ("client_full", session_records(0x00, client_stream)),
    ("server_get", session_records(0x01, [(2, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")])),
    ("server_timeouts", session_records(0x01, [(2, reqs["sstpc"])] + [(0, b"")] * 8)),
])
print("seed corpora written under", os.path.normpath(ROOT))
