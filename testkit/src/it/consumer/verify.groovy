// Each test class ran its tests: the contract's thirteen laws and the README host's two.
def log = new File(basedir, 'build.log').getText('UTF-8')
def ran = { cls ->
  def m = log =~ /Tests run: (\d+), Failures: 0, Errors: 0, Skipped: \d+, Time elapsed: [^\n]* in ${cls}/
  m.find() ? m.group(1) as int : 0
}
assert ran('com.example.EchoEngineTest') >= 13 : 'EchoEngineTest did not run its laws'
assert ran('io.pe4j.examples.NioHostTest') == 2 : "README's host did not run"
return true
