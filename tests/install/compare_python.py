"""Debian's python3 imports the installed exvivo module and gets DataFrames
equal to the CSV files of the installed command line (bit for bit; runs.csv
apart from its wall-clock column). Usage: compare_python.py SCENARIO CLI_DIR"""
import math
import os
import struct
import sys

import exvivo


def bits(x):
    return struct.pack("<d", float(x))


def main(scenario, cli_dir):
    assert os.path.dirname(exvivo.__file__).startswith(os.environ["EXPECTED_PREFIX"]), exvivo.__file__
    result = exvivo.run(scenario, threads=2)
    for name in ("timecourses", "runs", "summary"):
        frame = getattr(result, name)
        cli = exvivo.read_table(os.path.join(cli_dir, name + ".csv"))
        if name == "runs":
            frame, cli = frame.drop(columns="wall_ms"), cli.drop(columns="wall_ms")
        assert list(frame.columns) == list(cli.columns), name
        assert frame.shape == cli.shape, name
        for column in frame.columns:
            for a, b in zip(frame[column].tolist(), cli[column].tolist()):
                if isinstance(a, float):
                    assert (math.isnan(a) and math.isnan(b)) or bits(a) == bits(b), (name, column, a, b)
                else:
                    assert a == b, (name, column, a, b)
        print(f"python: {name} equals the CLI's {name}.csv ({frame.shape[0]} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
