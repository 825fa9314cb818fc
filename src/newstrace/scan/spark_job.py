"""`spark-submit` entry point: a thin shell that runs `scan` on the cluster's Spark session.

    spark-submit --master yarn ... "$(python -c 'import newstrace.scan.spark_job as j; print(j.__file__)')" \
        INPUT... --out DIR [--against SOURCES...] [--encoder static|minilm] [--since D] [--until D]

The session is spark-submit's (its --master and --conf apply); docs/scan.md says how the package
and its model files reach the executors. Prints the `newstrace.scan/1` summary as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys

from newstrace.options import CompareOptions, ScanOptions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newstrace-scan-spark", description=__doc__)
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("--out", required=True)
    parser.add_argument("--against", nargs="*", default=[])
    parser.add_argument("--encoder", default="minilm")
    parser.add_argument("--since")
    parser.add_argument("--until")
    parser.add_argument("--min-probability", type=float, default=0.5)
    parser.add_argument("--judge-findings", action="store_true", help="grade findings with the faithfulness model")
    args = parser.parse_args(argv)
    from pyspark.sql import SparkSession

    from newstrace.scan import scan

    spark = SparkSession.builder.appName("newstrace-scan").getOrCreate()
    options = ScanOptions(
        compare=CompareOptions(encoder=args.encoder),
        engine="spark",
        since=args.since,
        until=args.until,
        min_probability=args.min_probability,
        judge_findings=args.judge_findings,
    )
    result = scan(args.inputs, args.out, args.against, options, spark_session=spark)
    sys.stdout.write(json.dumps(result.to_json()) + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
