import type { TopLevelSpec } from 'vega-lite';

/**
 * Compiles a Vega-Lite spec to Vega and renders it to an SVG string with Vega's headless view (no
 * browser, no canvas, no network). vega and vega-lite are ES modules with top-level await, so
 * they are loaded with import() rather than require().
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
