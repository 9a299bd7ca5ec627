import { localPaths } from '../../src/local/paths';
import { findJavaHome } from '../../src/local/toolchain';
import { describePytest } from '../support/pytest';

/** The pytest suite of the PySpark transformations (spark/tests), on small frames in local Spark; one case per pytest test. */
describePytest('PySpark transformations (pytest)', {
  target: 'spark/tests',
  timeoutMs: 600_000,
  env: () => {
    const java17Home = findJavaHome(17, true);
    if (!java17Home) throw new Error('PySpark needs a JDK 17: install one or set CLICKSTREAM_JAVA17_HOME.');
    return { JAVA_HOME: java17Home, PYSPARK_PYTHON: localPaths().python, SPARK_LOCAL_IP: '127.0.0.1' };
  },
});
