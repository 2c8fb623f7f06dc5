import { describe, expect, it } from "vitest";
import { parseNftListing } from "./nft.js";

describe("parseNftListing", () => {
  it("reads the table hash and each via chain's tag from nft's own listing", () => {
    const listing = `table inet wanpilot {
	comment "wanpilot 0123456789abcdef"
	chain rules {
		tcp dport 443 goto via_0 comment "rule pin"
	}

	chain via_0 {
		meta mark set meta mark & 0xff01ffff | 0x00010000 return comment "v aaaa000011112222"
	}

	chain via_1 {
	}
}`;
    expect(parseNftListing(listing)).toEqual({
      hash: "0123456789abcdef",
      vias: new Map([
        ["via_0", "aaaa000011112222"],
        ["via_1", ""],
      ]),
    });
  });
});
