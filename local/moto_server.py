"""moto's server, with DynamoDB's conditional writes made atomic.

Real DynamoDB checks a ConditionExpression and writes in one step; moto's
server handles requests on threads and checks, then writes, so two
concurrent conditional puts can both succeed. emrbot's exactly-once claims
and its locks rely on the real behaviour, so the emulator serialises
DynamoDB's writes (only them: SQS long polls and everything else stay
concurrent). Started by local/src/emulator.rs with the project's .venv python.
"""

import sys
import threading

from moto.dynamodb.models import DynamoDBBackend

_write = threading.RLock()


def _atomic(method):
    def locked(self, *args, **kwargs):
        with _write:
            return method(self, *args, **kwargs)

    return locked


for _name in ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"):
    if hasattr(DynamoDBBackend, _name):
        setattr(DynamoDBBackend, _name, _atomic(getattr(DynamoDBBackend, _name)))

from moto.server import main  # noqa: E402  (after the patch)

if __name__ == "__main__":
    sys.exit(main())
