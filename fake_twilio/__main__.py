"""Run the fake Twilio from a shell until interrupted:

    python -m fake_twilio --conferences 500 --latency-ms 30
    {"base_url": "http://127.0.0.1:40123", "account_sid": "AC000...", "auth_token": "...", ...}

The first line on stdout is JSON with where it listens and the credentials it accepts;
GET /_fake/stats returns its request counters.
"""

import argparse
import json
import signal
import sys
import threading

from fake_twilio import FAULT_KINDS, Dataset, FakeTwilio, Faults


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fake_twilio", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (the default)")
    parser.add_argument("--conferences", type=int, default=120, help="conferences per account")
    parser.add_argument("--live-share", type=float, default=0.1, help="share of conferences still live")
    parser.add_argument("--participants-per-live", type=int, default=4)
    parser.add_argument("--months", type=int, default=6, help="months the conferences are spread over")
    parser.add_argument("--subaccounts", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every response")
    for kind in FAULT_KINDS:
        parser.add_argument(f"--fault-{kind}", type=float, default=0.0, metavar="RATE", help=f"share of requests answered with {kind}")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)

    dataset = Dataset(
        conferences=args.conferences,
        live_share=args.live_share,
        participants_per_live=args.participants_per_live,
        months=args.months,
        subaccounts=args.subaccounts,
        seed=args.seed,
    )
    rates = {kind: getattr(args, f"fault_{kind.replace('-', '_')}") for kind in FAULT_KINDS}
    faults = Faults(rates={k: v for k, v in rates.items() if v}, seed=args.seed) if any(rates.values()) else None
    fake = FakeTwilio(dataset, latency=args.latency_ms / 1000, faults=faults, port=args.port, verbose=args.verbose)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with fake:
        main_account = dataset.main_account
        print(json.dumps({
            "base_url": fake.base_url,
            "account_sid": main_account.sid,
            "auth_token": main_account.auth_token,
            "conferences": len(dataset.all_conferences()),
            "live_conferences": len(dataset.live_conferences()),
        }), flush=True)
        stop.wait()
    print(json.dumps(fake.stats.as_dict()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
