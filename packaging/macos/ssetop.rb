# Homebrew formula template for ssetop. NOT RUN in ssetop's CI (no macOS there).
# For a release: replace {{VERSION}}, {{SOURCE_URL}} (the release's source tarball) and
# {{SOURCE_SHA256}}, then `brew install --build-from-source ./ssetop.rb` and
# `brew test ssetop`, `brew audit --strict --new ssetop` on a Mac before publishing it in a tap.
class Ssetop < Formula
  desc "Live dashboard and health probe for Global Secure Access beside Zscaler or GlobalProtect"
  homepage "https://github.com/ssetop/ssetop"
  url "{{SOURCE_URL}}"
  version "{{VERSION}}"
  sha256 "{{SOURCE_SHA256}}"
  license any_of: ["MIT", "Apache-2.0"]

  depends_on "rust" => :build

  def install
    system "cargo", "install", *std_cargo_args
    generate_completions_from_executable(bin/"ssetop", "--generate-completions")
    (man1/"ssetop.1").write Utils.safe_popen_read(bin/"ssetop", "--generate-man")
  end

  test do
    assert_match "ssetop #{version}", shell_output("#{bin}/ssetop --version")
    # The probe's contract on bad input: exit code 3 and the offending value named (a live
    # --once would read this Mac's network, which a formula test should not depend on).
    output = shell_output("#{bin}/ssetop --once --setup nonsense 2>&1", 3)
    assert_match "nonsense", output
    assert_match "schema = \"ssetop.knowledge.v1\"", shell_output("#{bin}/ssetop --dump-knowledge")
  end
end
