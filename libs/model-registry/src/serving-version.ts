// The order of a model's versions: numeric versions by value, named ones alphabetically.
/** A total order: digit runs compare by value ("2" < "10"), everything else alphabetically. */
export function compareVersions(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
