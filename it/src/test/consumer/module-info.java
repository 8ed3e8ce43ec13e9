// A user's application as a named module: LipReg's jars are automatic modules named by their Automatic-Module-Name.
module consumer {
    requires dev.lipreg.regularizers;
}
