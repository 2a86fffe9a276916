"""``workbench sync``: send what an unreachable tracking server missed."""

from .common import CLIError, _tracking


def _cmd_sync(args):
    tracking = _tracking()
    try:
        results = tracking.sync(args.path, logdir=args.logdir, upload=args.upload or ())
    except FileNotFoundError as exc:
        raise CLIError(str(exc)) from None
    if not results:
        where = args.path or f"{args.logdir}/"
        print(f"nothing to sync: no unsent tracking data in {where}")
        return 0
    failed = 0
    for r in results:
        if r["error"]:
            failed += 1
            print(f"{r['path']}: not sent ({r['error']}); it stays for the next `workbench sync`")
        elif r.get("provisional_id"):
            print(f"{r['path']}: created run {r['run_id']} (started offline as {r['provisional_id']}) "
                  f"and sent {r['sent']} item(s)")
        else:
            print(f"{r['path']}: sent {r['sent']} item(s) to run {r['run_id']}")
    return 1 if failed else 0
