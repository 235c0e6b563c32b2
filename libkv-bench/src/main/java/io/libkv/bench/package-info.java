/** JMH benchmarks and figure-printing measurements of the libkv backends. */
@NullMarked
package io.libkv.bench;

import org.jspecify.annotations.NullMarked;
