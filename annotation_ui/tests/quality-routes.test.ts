import { describe, expect, it } from "vitest";
import { ALL_ROLES, PAGES, REVIEWER_ROLES, canOpen, findPage } from "../src/routes";

describe("quality pages", () => {
  it("are for reviewers, never annotators (the API refuses them)", () => {
    for (const id of ["quality", "quality-job", "quality-review"]) {
      const page = PAGES.find((p) => p.id === id)!;
      expect(ALL_ROLES.filter((r) => canOpen(r, page))).toEqual(ALL_ROLES.filter((r) => r !== "annotator"));
    }
    expect(REVIEWER_ROLES).not.toContain("annotator");
  });

  it("are found by path, with the job id", () => {
    expect(findPage("/quality")?.page.id).toBe("quality");
    expect(findPage("/quality/jobs/abc")).toMatchObject({ page: { id: "quality-job" }, params: { id: "abc" } });
    expect(findPage("/quality/jobs/abc/review")).toMatchObject({ page: { id: "quality-review" }, params: { id: "abc" } });
  });
});
