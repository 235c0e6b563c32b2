/**
 * What the conformance kit reads of core's internals (live channels, keep-alives, watch resources);
 * exported to the kit alone.
 */
@NullMarked
package io.libkv.internal.kit;

import org.jspecify.annotations.NullMarked;
