import com.sun.tools.attach.VirtualMachine;

/**
 * java bench/profile/Attach.java PID LIBRARY OPTIONS: loads a JVMTI agent into a running JVM with
 * those options (jcmd's JVMTI.agent_load takes an option with '=' for a named argument).
 */
public class Attach {
  public static void main(String[] args) throws Exception {
    VirtualMachine vm = VirtualMachine.attach(args[0]);
    try {
      vm.loadAgentPath(args[1], args[2]);
    } finally {
      vm.detach();
    }
  }
}
