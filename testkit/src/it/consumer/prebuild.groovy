// The README's complete host and its test, exactly as pe4j's core compiles and runs them (README's
// block is checked against the same file): a user pastes them into their own project.
def from = new File(coreExamples)
def to = new File(basedir, 'src/test/java/io/pe4j/examples')
to.mkdirs()
['NioHost.java', 'NioHostTest.java'].each { name ->
  new File(to, name).text = new File(from, name).getText('UTF-8')
}
return true
