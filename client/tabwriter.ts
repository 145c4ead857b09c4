/**
 * Go's text/tabwriter as the docker CLI sets it up (padding ' ', no flags), pure: every cell but a line's last
 * is padded to its column's width, the widest cell plus `padding`, at least `minWidth`. `docker top` uses
 * (20, 3), the CLI's table formatter (system df) (10, 3). Widths count characters.
 */
export function tabwrite(lines: readonly (readonly string[])[], minWidth: number, padding = 3): string {
  const widths: number[] = [];
  for (const cells of lines)
    cells.slice(0, -1).forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? minWidth, [...c].length + padding);
    });
  return lines
    .map((cells) =>
      cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - [...c].length))).join(''),
    )
    .map((l) => `${l}\n`)
    .join('');
}
