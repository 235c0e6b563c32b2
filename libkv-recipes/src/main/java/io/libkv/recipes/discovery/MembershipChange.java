package io.libkv.recipes.discovery;

import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/** The full member set of a service after a change, and what changed. */
public final class MembershipChange {
  private final SortedMap<String, Member> members;
  private final List<Member> added;
  private final List<Member> removed;
  private final List<Member> changed;

  MembershipChange(
      SortedMap<String, Member> members,
      List<Member> added,
      List<Member> removed,
      List<Member> changed) {
    this.members = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(members));
    this.added = List.copyOf(added);
    this.removed = List.copyOf(removed);
    this.changed = List.copyOf(changed);
  }

  /** Every live member, by id. */
  public SortedMap<String, Member> members() {
    return members;
  }

  /** Members that appeared. */
  public List<Member> added() {
    return added;
  }

  /** Members that left (as they were last seen). */
  public List<Member> removed() {
    return removed;
  }

  /** Members whose address or metadata changed (as they are now). */
  public List<Member> changed() {
    return changed;
  }

  @Override
  public String toString() {
    return "MembershipChange{"
        + members.keySet()
        + ", +"
        + added.size()
        + " -"
        + removed.size()
        + " ~"
        + changed.size()
        + "}";
  }
}
