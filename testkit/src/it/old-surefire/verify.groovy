// The build failed because the contract said why, not for another reason.
def log = new File(basedir, 'build.log').getText('UTF-8')
assert log.contains('Running com.example.FirstByteEngineTest') : 'Surefire 2.12.4 did not run the class'
assert log.contains('No law of the PersistenceEngineContract ran') : 'the contract did not explain'
assert log.contains('maven-surefire-plugin to 3.x') : 'the message does not name the fix'
return true
