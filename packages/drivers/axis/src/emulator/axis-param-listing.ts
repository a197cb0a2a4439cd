/**
 * Lists parameters the way `param.cgi?action=list` does: `group` is a comma-separated list of groups or single
 * parameters, with or without the leading `root.`; a name that matches nothing gives a `# Error:` line (status
 * stays 200, as on the devices).
 */
export function listParams(params: ReadonlyMap<string, string>, group: string | null): string {
  const wanted = group === null || group.trim() === '' ? ['root'] : group.split(',').map((g) => g.trim()).filter((g) => g !== '');
  let out = '';
  for (const name of wanted) {
    const full = name === 'root' || name.startsWith('root.') ? name : `root.${name}`;
    let found = false;
    for (const [key, value] of params) {
      if (key === full || key.startsWith(`${full}.`)) {
        out += `${key}=${value}\n`;
        found = true;
      }
    }
    if (!found) out += `# Error: Error -1 getting param in group '${name.replace(/^root\./, '')}'\n`;
  }
  return out;
}
