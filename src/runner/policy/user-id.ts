/**
 * The numeric user id of a Docker `user` value (`uid`, `uid:gid`, `name`, `name:group`), as the
 * restricted level checks it. Like the kubelet with runAsNonRoot, a name cannot be verified to be
 * non-root without reading the image's /etc/passwd, so only numeric ids count. Pure.
 */

/** The uid, or undefined when the user is empty or a name. */
export function numericUid(user: string | undefined): number | undefined {
  if (!user) return undefined;
  const uid = user.split(':')[0]!;
  if (!/^\d{1,10}$/.test(uid)) return undefined;
  return Number(uid);
}

/** Whether the user is given as a numeric uid other than 0. */
export function isNumericNonRoot(user: string | undefined): boolean {
  const uid = numericUid(user);
  return uid !== undefined && uid !== 0;
}
