import { render, screen } from "@testing-library/react";

import { I18nProvider } from "../../i18n";
import { EMPTY_SELECTION } from "../../lib/selection";
import { columnsFor, ImageGrid } from "./ImageGrid";
import { installDomPolyfills, makeImages } from "./testing";

function renderGrid(count: number, hasNextPage: boolean) {
  installDomPolyfills();
  const fetchNextPage = vi.fn();
  render(
    <I18nProvider language="ko">
      <ImageGrid
        images={makeImages(count)}
        label="갤러리 이미지"
        selection={EMPTY_SELECTION}
        onSelect={() => undefined}
        onOpen={() => undefined}
        hasNextPage={hasNextPage}
        isFetchingNextPage={false}
        fetchNextPage={fetchNextPage}
      />
    </I18nProvider>,
  );
  return { fetchNextPage };
}

describe("the image grid", () => {
  test("renders only the rows near the screen out of 10,000 images", () => {
    const { fetchNextPage } = renderGrid(10_000, true);
    const tiles = screen.getAllByRole("listitem");
    expect(tiles.length).toBeGreaterThan(0);
    expect(tiles.length).toBeLessThan(100);
    expect(document.querySelectorAll("img").length).toBe(tiles.length);
    // Far from the end of what is loaded: no next page yet.
    expect(fetchNextPage).not.toHaveBeenCalled();
  });

  test("thumbnails load lazily with their size set", () => {
    renderGrid(20, false);
    const image = document.querySelector("img")!;
    expect(image.getAttribute("loading")).toBe("lazy");
    expect(image.getAttribute("decoding")).toBe("async");
    expect(Number(image.getAttribute("width"))).toBeGreaterThan(0);
    expect(image.getAttribute("height")).toBe(image.getAttribute("width"));
    expect(image.getAttribute("src")).toMatch(/\/thumbnail$/);
  });

  test("asks for the next page when the end of the loaded images is on screen", () => {
    const { fetchNextPage } = renderGrid(12, true);
    expect(fetchNextPage).toHaveBeenCalledTimes(1);
  });

  test("each tile has a labelled checkbox", () => {
    renderGrid(3, false);
    expect(screen.getAllByRole("checkbox", { name: /^선택: PPL 이미지/ })).toHaveLength(3);
  });

  test("two columns on a phone, more on wider screens", () => {
    expect(columnsFor(358)).toBe(2);
    expect(columnsFor(700)).toBeGreaterThanOrEqual(3);
    expect(columnsFor(1200)).toBeGreaterThan(columnsFor(700));
  });
});
