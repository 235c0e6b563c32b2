/** Core internals (URI parsing and the like), not exported. */
@NullMarked
package io.libkv.internal;

import org.jspecify.annotations.NullMarked;
