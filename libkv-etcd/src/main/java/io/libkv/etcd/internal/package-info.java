/**
 * The etcd v3 store on grpc-java (calls, leases, watches, locks, endpoint choice), not exported.
 */
@NullMarked
package io.libkv.etcd.internal;

import org.jspecify.annotations.NullMarked;
