fn main() {
    huiquan::mount();
}
